"""Helpers for tests that need a stream live while they poke at it."""

from __future__ import annotations

import subprocess
import time

from hlswalker import MediaPlaylist, Response, http_get, parse_media_playlist


def playlist(url: str, timeout: float = 15.0) -> tuple[Response, MediaPlaylist | None]:
    r = http_get(url, timeout=timeout)
    return r, (parse_media_playlist(r.text) if r.status == 200 else None)


def wait_playlist(url: str, pred=lambda pl: True, timeout: float = 30.0) -> MediaPlaylist:
    """Polls (plain GETs, 0.1 s apart) until the playlist answers 200 and pred holds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        r, pl = playlist(url)
        last = r
        if pl is not None and pred(pl):
            return pl
        time.sleep(0.1)
    raise AssertionError(f"{url} not ready within {timeout:.0f} s; last answer: {last.brief() if last else None}")


def last_msn(pl: MediaPlaylist) -> int:
    """The last media sequence number, complete or in progress."""
    p = pl.last_part()
    if p is not None:
        return p.msn
    return pl.next_msn - 1


def start_live(procs, server, src, key: str, publisher: str = "ffmpeg", segments: int = 1,
               timeout: float = 30.0) -> tuple[subprocess.Popen, MediaPlaylist]:
    """Publishes src on live/KEY and waits until the video playlist has `segments` complete segments."""
    proc = procs.publish(publisher, src.path, server.rtmp_url(f"live/{key}"))
    try:
        pl = wait_playlist(server.url(f"live/{key}/video.m3u8"), lambda p: len(p.segments) >= segments, timeout)
    except AssertionError as e:
        raise AssertionError(f"{e}\npublisher rc={proc.poll()} log:\n{procs.log(proc)}") from None
    return proc, pl
