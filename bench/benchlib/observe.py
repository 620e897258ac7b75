"""Readers that log when each part and segment was listed and when its frames could be decoded.

Weir is read as an LL-HLS player reads it: a blocking playlist reload that always asks for the
next part, and, alongside on a second connection, a GET of the preload-hinted part, which the
server holds until the part exists. nginx-rtmp has no blocking reload, so its playlist is polled.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from . import parse
from .httpc import Connection, HTTPError


@dataclass
class Item:
    """A part or segment as one reader saw it."""

    kind: str                      # "part" or "segment"
    name: str                      # "MSN.PART" or "MSN"
    listed_at: float | None        # monotonic time of the first playlist that listed it, when observed live
    fetched_at: float | None = None  # when its bytes had arrived (frames decodable)
    dts_ms: list[int] = field(default_factory=list)  # decode times of its video frames


@dataclass
class ObserverLog:
    path: str
    items: list[Item] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    catch_up: int = 0  # items first seen in a response that was not waiting for them


def _ms(ticks: int, timescale: int) -> int:
    return (ticks * 1000 + timescale // 2) // timescale


class WeirObserver:
    def __init__(self, host: str, port: int, path: str, track: str = "video"):
        self.host, self.port = host, port
        self.base = f"/{path}/"
        self.playlist = f"/{path}/{track}.m3u8"
        self.log = ObserverLog(path)
        self.parts: dict[tuple[int, int], Item] = {}
        self.segments: dict[int, Item] = {}
        self.timescale = 0
        self.latest: parse.Playlist | None = None
        self.wake = asyncio.Event()
        # False once the reload loop has ended: the fetch loop ends with it.
        self.reloading = True
        self.fetched: set[tuple[int, int]] = set()
        self.data: dict[tuple[int, int], tuple[float, list[int]]] = {}

    async def _first_playlist(self, conn: Connection, stop: asyncio.Event) -> parse.Playlist | None:
        while not stop.is_set():
            try:
                r = await conn.get(self.playlist, timeout=15)
                self.log.requests += 1
            except HTTPError as e:
                self.log.errors.append(str(e))
                await asyncio.sleep(0.05)
                continue
            if r.status == 200:
                pl = parse.parse_playlist(r.text)
                if pl.map_uri and (pl.parts or pl.hint):
                    return pl
            await asyncio.sleep(0.02)
        return None

    async def run(self, stop: asyncio.Event) -> ObserverLog:
        pl_conn = Connection(self.host, self.port)
        media_conn = Connection(self.host, self.port)
        try:
            pl = await self._first_playlist(pl_conn, stop)
            if pl is None:
                return self.log
            init = await media_conn.get(self.base + pl.map_uri)
            self.timescale = parse.init_timescale(init.body)
            # Whatever the first playlist holds was listed before we looked: not timed.
            for p in pl.parts:
                self.parts[(p.msn, p.index)] = Item("part", f"{p.msn}.{p.index}", None)
                self.fetched.add((p.msn, p.index))
            for msn, _, _ in pl.segments:
                self.segments[msn] = Item("segment", str(msn), None)
            self.latest = pl
            fetcher = asyncio.create_task(self._fetch_loop(media_conn, stop))
            try:
                await self._reload_loop(pl_conn, pl, stop)
            finally:
                # Python 3.11's wait_for can swallow a cancellation that races with its result,
                # so the fetch loop is also told, and woken, to stop.
                self.reloading = False
                self.wake.set()
                fetcher.cancel()
                try:
                    await fetcher
                except (asyncio.CancelledError, HTTPError, OSError, ValueError):
                    pass
        except (HTTPError, OSError, ValueError) as e:
            self.log.errors.append(f"{type(e).__name__}: {e}")
        finally:
            pl_conn.close()
            media_conn.close()
        self._finish()
        return self.log

    async def _reload_loop(self, conn: Connection, pl: parse.Playlist, stop: asyncio.Event) -> None:
        while not stop.is_set() and not pl.ended:
            want = parse.next_part(pl)
            if want is None:
                return
            q = f"{self.playlist}?_HLS_msn={want[0]}&_HLS_part={want[1]}"
            get = asyncio.create_task(conn.get(q, timeout=15))
            stopper = asyncio.create_task(stop.wait())
            done, _ = await asyncio.wait({get, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if get not in done:
                get.cancel()
                return
            try:
                r = get.result()
            except HTTPError as e:
                self.log.errors.append(str(e))
                return
            self.log.requests += 1
            if r.status != 200:
                self.log.errors.append(f"{q}: HTTP {r.status}")
                await asyncio.sleep(0.05)
                continue
            pl = parse.parse_playlist(r.text)
            t = r.done_at
            live_response = False
            for p in pl.parts:
                key = (p.msn, p.index)
                if key in self.parts:
                    continue
                live = key == want or (want[1] > 0 and key == (want[0] + 1, 0))
                live_response = live_response or live
                if not live:
                    self.log.catch_up += 1
                self.parts[key] = Item("part", f"{p.msn}.{p.index}", t if live else None)
            new_segments = [msn for msn, _, _ in pl.segments if msn not in self.segments]
            for msn in new_segments:
                # A segment is complete when its last part is; a response that was waiting for
                # a part lists it at that moment. More than one new segment means we fell behind.
                timed = live_response and len(new_segments) == 1
                self.segments[msn] = Item("segment", str(msn), t if timed else None)
            self.latest = pl
            self.wake.set()

    async def _fetch_loop(self, conn: Connection, stop: asyncio.Event) -> None:
        """Fetches listed parts not yet fetched, then the hinted part (held by the server until it exists)."""
        while not stop.is_set() and self.reloading:
            pl = self.latest
            assert pl is not None
            todo = [p for p in pl.parts if (p.msn, p.index) not in self.fetched]
            if todo:
                p = todo[0]
                await self._fetch(conn, (p.msn, p.index), p.uri)
                continue
            if pl.hint is not None and pl.hint not in self.fetched:
                await self._fetch(conn, pl.hint, pl.hint_uri)
                continue
            self.wake.clear()
            await self.wake.wait()

    async def _fetch(self, conn: Connection, key: tuple[int, int], uri: str) -> None:
        self.fetched.add(key)
        try:
            r = await conn.get(self.base + uri, timeout=15)
        except HTTPError as e:
            self.log.errors.append(str(e))
            self.fetched.discard(key)
            await asyncio.sleep(0.05)
            return
        self.log.requests += 1
        if r.status != 200:
            # A hint can name a part that never comes (the segment was cut first): list-driven
            # fetching picks up whatever the playlist lists instead.
            if r.status != 404:
                self.log.errors.append(f"{uri}: HTTP {r.status}")
            return
        # The hinted part can arrive before the playlist response that lists it.
        frag = parse.fragment_samples(r.body)
        self.data[key] = (r.done_at, [_ms(t, self.timescale) for t in frag.decode_times])

    def _finish(self) -> None:
        # Segments carry the frames of their parts; a segment's frames are decodable once its
        # last part has arrived.
        for key, (fetched_at, dts) in self.data.items():
            item = self.parts.get(key)
            if item is not None:
                item.fetched_at, item.dts_ms = fetched_at, dts
        by_msn: dict[int, list[Item]] = {}
        for (msn, _), item in sorted(self.parts.items()):
            by_msn.setdefault(msn, []).append(item)
        for msn, seg in self.segments.items():
            parts = by_msn.get(msn, [])
            if parts and all(p.fetched_at is not None for p in parts):
                seg.dts_ms = [d for p in parts for d in p.dts_ms]
                seg.fetched_at = max(p.fetched_at for p in parts)  # type: ignore[type-var]
        self.log.items = [*self.parts.values(), *self.segments.values()]


# nginx-rtmp writes MPEG-TS timestamps 700 ms (63000 ticks at 90 kHz) after the RTMP ones
# (NGX_RTMP_HLS_DELAY in its HLS module); the publisher logs RTMP times.
NGINX_HLS_DELAY = 63000


class NginxObserver:
    """Polls an nginx-rtmp playlist and fetches each new fragment at once."""

    def __init__(self, host: str, port: int, path: str, interval: float = 0.01):
        self.host, self.port = host, port
        self.base = f"/{path}/"
        self.playlist = f"/{path}/index.m3u8"
        self.interval = interval
        self.log = ObserverLog(path)

    async def run(self, stop: asyncio.Event) -> ObserverLog:
        conn = Connection(self.host, self.port)
        media = Connection(self.host, self.port)
        seen: dict[int, Item] = {}
        first = True
        try:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    r = await conn.get(self.playlist, timeout=10)
                    self.log.requests += 1
                except HTTPError as e:
                    self.log.errors.append(str(e))
                    r = None
                if r is not None and r.status == 200:
                    pl = parse.parse_playlist(r.text)
                    for msn, uri, _ in pl.segments:
                        if msn in seen:
                            continue
                        item = Item("segment", str(msn), None if first else r.done_at)
                        seen[msn] = item
                        if first:
                            continue
                        try:
                            s = await media.get(self.base + uri, timeout=10)
                            self.log.requests += 1
                        except HTTPError as e:
                            self.log.errors.append(str(e))
                            continue
                        if s.status == 200:
                            item.fetched_at = s.done_at
                            item.dts_ms = [(t - NGINX_HLS_DELAY + 45) // 90 for t in parse.ts_video_decode_times(s.body)]
                    first = False
                elif r is not None and r.status == 404:
                    # Not live yet: nothing listed before we started looking.
                    first = False
                wait = self.interval - (time.monotonic() - started)
                if wait > 0:
                    try:
                        await asyncio.wait_for(stop.wait(), wait)
                    except asyncio.TimeoutError:
                        pass
        finally:
            conn.close()
            media.close()
        self.log.items = list(seen.values())
        return self.log
