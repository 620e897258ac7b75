"""A strict LL-HLS walker.

It plays a live stream the way a Low-Latency HLS client does (blocking playlist
reloads with _HLS_msn/_HLS_part, following EXT-X-PRELOAD-HINT), fetches every
playlist, init segment, part and segment exactly once as soon as it is listed,
and records everything. Every deviation from the contract in
notes/HTTP_CONTRACT.md (status, Content-Type, Cache-Control, CORS, playlist
invariants, bytes of parts and segments) is a violation; ffmpeg alone would only
log a warning and play on. After the stream ends, the fetched media can be
assembled per track and compared with the source (see compare_with_source).
"""

from __future__ import annotations

import http.client
import math
import re
import subprocess
import threading
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import fmp4

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=1"
BLOCKING = "public, max-age=60"
DUR_SLACK = 0.001  # playlists print durations with 3 decimals

# ---------------------------------------------------------------- HTTP


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float
    error: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")

    def brief(self) -> str:
        if self.error:
            return f"{self.url}: {self.error}"
        return f"{self.url}: {self.status} {self.text[:120].strip()!r}"


def http_request(url: str, method: str = "GET", timeout: float = 10.0,
                 headers: dict[str, str] | None = None) -> Response:
    """One request on a fresh connection; network failures come back as status 0."""
    u = urllib.parse.urlsplit(url)
    path = u.path + (f"?{u.query}" if u.query else "")
    start = time.monotonic()
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        return Response(url, r.status, hdrs, body, time.monotonic() - start)
    except (OSError, http.client.HTTPException) as e:
        return Response(url, 0, {}, b"", time.monotonic() - start, f"{type(e).__name__}: {e}")
    finally:
        conn.close()


def http_get(url: str, timeout: float = 10.0) -> Response:
    return http_request(url, "GET", timeout)


def cache_directives(value: str) -> set[str]:
    return {d.strip().lower() for d in value.split(",") if d.strip()}


# ---------------------------------------------------------------- playlists

_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


def parse_attributes(text: str) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(text):
        v = m.group(2)
        out[m.group(1)] = v[1:-1] if v.startswith('"') else v
    return out


@dataclass
class Part:
    uri: str
    duration: float
    independent: bool
    msn: int = -1
    index: int = -1
    gap: bool = False


@dataclass
class Segment:
    msn: int
    uri: str
    duration: float
    parts: list[Part]
    discontinuity: bool
    map_uri: str | None
    pdt: str | None
    gap: bool = False  # EXT-X-GAP: no media for this time on this track; not to be loaded


@dataclass
class MediaPlaylist:
    text: str
    version: int | None = None
    target_duration: int | None = None
    part_target: float | None = None
    media_sequence: int = 0
    has_media_sequence: bool = False
    discontinuity_sequence: int | None = None
    server_control: dict[str, str] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    trailing_parts: list[Part] = field(default_factory=list)
    trailing_map: str | None = None
    trailing_discontinuity: bool = False
    preload_hints: list[dict[str, str]] = field(default_factory=list)
    rendition_reports: list[dict[str, str]] = field(default_factory=list)
    endlist: bool = False
    skip: bool = False
    problems: list[str] = field(default_factory=list)

    def segment(self, msn: int) -> Segment | None:
        i = msn - self.media_sequence
        if 0 <= i < len(self.segments):
            return self.segments[i]
        return None

    def all_parts(self) -> list[Part]:
        out = [p for s in self.segments for p in s.parts]
        return out + self.trailing_parts

    @property
    def next_msn(self) -> int:
        return self.media_sequence + len(self.segments)

    def last_part(self) -> Part | None:
        parts = self.all_parts()
        return parts[-1] if parts else None

    def next_request(self) -> tuple[int, int]:
        """The (msn, part) a client asks for next: the part after the last one listed."""
        if self.trailing_parts:
            last = self.trailing_parts[-1]
            return last.msn, last.index + 1
        return self.next_msn, 0

    def satisfies(self, msn: int, part: int | None) -> bool:
        """True if this playlist answers a blocking request for (msn, part)."""
        if self.endlist:
            return True
        if part is None:
            return any(s.msn >= msn for s in self.segments)
        seg = self.segment(msn)
        if seg is not None and seg.parts and part >= len(seg.parts):
            msn, part = msn + 1, 0
        if any(s.msn > msn or (s.msn == msn and (not s.parts or part < len(s.parts))) for s in self.segments):
            return True
        return any((p.msn, p.index) >= (msn, part) for p in self.all_parts())


def _num(text: str, kind, problems: list[str], what: str):
    try:
        return kind(text)
    except ValueError:
        problems.append(f"{what}: not a number: {text!r}")
        return None


def parse_media_playlist(text: str) -> MediaPlaylist:
    pl = MediaPlaylist(text)
    lines = [ln.strip() for ln in text.splitlines()]
    if not lines or lines[0] != "#EXTM3U":
        pl.problems.append("first line is not #EXTM3U")
    pending_parts: list[Part] = []
    pending_disc = False
    pending_pdt = None
    pending_gap = False
    current_map = None
    extinf: float | None = None
    p = pl.problems
    for ln in lines[1:]:
        if not ln:
            continue
        if ln.startswith("#"):
            tag, _, value = ln.partition(":")
            if tag == "#EXT-X-VERSION":
                pl.version = _num(value, int, p, tag)
            elif tag == "#EXT-X-TARGETDURATION":
                pl.target_duration = _num(value, int, p, tag)
            elif tag == "#EXT-X-PART-INF":
                pl.part_target = _num(parse_attributes(value).get("PART-TARGET", ""), float, p, tag)
            elif tag == "#EXT-X-SERVER-CONTROL":
                pl.server_control = parse_attributes(value)
            elif tag == "#EXT-X-MEDIA-SEQUENCE":
                pl.media_sequence = _num(value, int, p, tag) or 0
                pl.has_media_sequence = True
                if pl.segments or pending_parts:
                    p.append("EXT-X-MEDIA-SEQUENCE after the first segment")
            elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
                pl.discontinuity_sequence = _num(value, int, p, tag)
            elif tag == "#EXT-X-MAP":
                current_map = parse_attributes(value).get("URI")
                if not current_map:
                    p.append("EXT-X-MAP without URI")
            elif tag == "#EXT-X-PROGRAM-DATE-TIME":
                pending_pdt = value
            elif tag == "#EXT-X-DISCONTINUITY":
                pending_disc = True
            elif tag == "#EXT-X-GAP":
                pending_gap = True
            elif tag == "#EXTINF":
                if extinf is not None:
                    p.append("two EXTINF lines without a URI between them")
                extinf = _num(value.split(",")[0], float, p, tag)
                if extinf is None:
                    extinf = 0.0
            elif tag == "#EXT-X-PART":
                a = parse_attributes(value)
                d = _num(a.get("DURATION", ""), float, p, "EXT-X-PART DURATION")
                if "URI" not in a:
                    p.append(f"EXT-X-PART without URI: {ln}")
                pending_parts.append(Part(a.get("URI", ""), d or 0.0, a.get("INDEPENDENT") == "YES",
                                          gap=a.get("GAP") == "YES"))
            elif tag == "#EXT-X-PRELOAD-HINT":
                pl.preload_hints.append(parse_attributes(value))
            elif tag == "#EXT-X-RENDITION-REPORT":
                pl.rendition_reports.append(parse_attributes(value))
            elif tag == "#EXT-X-ENDLIST":
                pl.endlist = True
            elif tag == "#EXT-X-SKIP":
                pl.skip = True
            continue
        # A URI line closes a segment.
        if extinf is None:
            p.append(f"segment URI without EXTINF: {ln}")
            extinf = 0.0
        msn = pl.media_sequence + len(pl.segments)
        for i, part in enumerate(pending_parts):
            part.msn, part.index = msn, i
        pl.segments.append(Segment(msn, ln, extinf, pending_parts, pending_disc, current_map, pending_pdt, pending_gap))
        pending_parts, pending_disc, pending_pdt, pending_gap, extinf = [], False, None, False, None
    if extinf is not None:
        p.append("EXTINF at the end without a URI")
    if pending_gap:
        p.append("EXT-X-GAP at the end without a segment")
    msn = pl.next_msn
    for i, part in enumerate(pending_parts):
        part.msn, part.index = msn, i
    pl.trailing_parts = pending_parts
    pl.trailing_map = current_map
    pl.trailing_discontinuity = pending_disc
    return pl


@dataclass
class Multivariant:
    text: str
    version: int | None = None
    independent_segments: bool = False
    variants: list[tuple[dict[str, str], str]] = field(default_factory=list)
    media: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def playlist_uris(self) -> list[str]:
        out = []
        for _, uri in self.variants:
            if uri not in out:
                out.append(uri)
        for m in self.media:
            if m.get("URI") and m["URI"] not in out:
                out.append(m["URI"])
        return out


def parse_multivariant(text: str) -> Multivariant:
    mv = Multivariant(text)
    lines = [ln.strip() for ln in text.splitlines()]
    if not lines or lines[0] != "#EXTM3U":
        mv.problems.append("first line is not #EXTM3U")
    pending = None
    for ln in lines[1:]:
        if not ln:
            continue
        if ln.startswith("#EXT-X-VERSION:"):
            mv.version = _num(ln.split(":", 1)[1], int, mv.problems, "EXT-X-VERSION")
        elif ln == "#EXT-X-INDEPENDENT-SEGMENTS":
            mv.independent_segments = True
        elif ln.startswith("#EXT-X-MEDIA:"):
            mv.media.append(parse_attributes(ln.split(":", 1)[1]))
        elif ln.startswith("#EXT-X-STREAM-INF:"):
            pending = parse_attributes(ln.split(":", 1)[1])
        elif ln.startswith("#EXTINF") or ln.startswith("#EXT-X-PART:") or ln.startswith("#EXT-X-TARGETDURATION"):
            mv.problems.append(f"media playlist tag in the multivariant playlist: {ln}")
        elif ln.startswith("#"):
            continue
        else:
            if pending is None:
                mv.problems.append(f"URI without EXT-X-STREAM-INF: {ln}")
            else:
                mv.variants.append((pending, ln))
            pending = None
    if pending is not None:
        mv.problems.append("EXT-X-STREAM-INF without a URI")
    return mv


# ---------------------------------------------------------------- walker

URI_SEGMENT = re.compile(r"^([A-Za-z0-9_]+)/([0-9a-z]+)/(\d+)\.m4s$")
URI_PART = re.compile(r"^([A-Za-z0-9_]+)/([0-9a-z]+)/(\d+)\.(\d+)\.m4s$")
URI_MAP = re.compile(r"^([A-Za-z0-9_]+)/([0-9a-z]+)/init-(\d+)\.mp4$")


@dataclass
class Fetched:
    uri: str          # as listed (relative)
    url: str          # absolute
    kind: str         # init | part | segment
    track: str
    hint: bool
    response: Response | None = None


@dataclass
class TrackRecord:
    name: str
    url: str
    playlists: list[tuple[tuple[int, int] | None, Response, MediaPlaylist]] = field(default_factory=list)
    target_duration: int | None = None
    part_target: float | None = None
    last_media_sequence: int | None = None
    last_disc_sequence: int | None = None
    segments: dict[int, Segment] = field(default_factory=dict)     # complete segments as listed
    parts: dict[tuple[int, int], Part] = field(default_factory=dict)  # every part ever listed
    meaning: dict[str, tuple] = field(default_factory=dict)
    map_of_msn: dict[int, str] = field(default_factory=dict)
    discontinuity_msns: set[int] = field(default_factory=set)
    ended: bool = False
    final: MediaPlaylist | None = None
    handler: str = ""


class Violations:
    """Violations grouped by category, each group keeping a few examples."""

    def __init__(self, examples: int = 6):
        self.examples = examples
        self.items: dict[str, list[str]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.lock = threading.Lock()

    def add(self, category: str, message: str) -> None:
        with self.lock:
            self.counts[category] += 1
            if len(self.items[category]) < self.examples:
                self.items[category].append(message)

    def __bool__(self) -> bool:
        return bool(self.counts)

    def __len__(self) -> int:
        return sum(self.counts.values())

    def categories(self) -> set[str]:
        return set(self.counts)

    def report(self) -> str:
        lines = []
        for cat in sorted(self.counts):
            n = self.counts[cat]
            lines.append(f"- {cat} ({n}):")
            for m in self.items[cat]:
                lines.append(f"    {m}")
            if n > len(self.items[cat]):
                lines.append(f"    ... and {n - len(self.items[cat])} more")
        return "\n".join(lines)


class HLSWalker:
    """Walks one live stream until EXT-X-ENDLIST on every media playlist (or the deadline).

    Use run() to walk in the calling thread, or start() + join() to walk while the
    test publishes. check() raises an AssertionError listing every violation.
    """

    def __init__(self, base_url: str, stream_path: str, *, deadline: float = 90.0,
                 start_timeout: float = 20.0, contract_uris: bool = True, expect_version: int = 9,
                 workers: int = 8, label: str = ""):
        self.base = base_url.rstrip("/")
        self.stream_path = stream_path.strip("/")
        self.index_url = f"{self.base}/{self.stream_path}/index.m3u8"
        self.deadline_s = deadline
        self.start_timeout = start_timeout
        self.contract_uris = contract_uris
        self.expect_version = expect_version
        self.label = label or self.stream_path
        self.v = Violations()
        self.tracks: dict[str, TrackRecord] = {}
        self.multivariant: Multivariant | None = None
        self.multivariant_response: Response | None = None
        self.fetches: dict[str, tuple[Fetched, Future]] = {}
        self.fetch_lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hls-fetch")
        self.epochs: set[str] = set()
        self.requests = 0
        self.started_at = 0.0
        self.finished_at = 0.0
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.analysis_done = False

    # -- running

    def start(self) -> "HLSWalker":
        self._thread = threading.Thread(target=self._run_safe, name=f"walker-{self.label}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> "HLSWalker":
        if self._thread is not None:
            self._thread.join(self.deadline_s + 60 if timeout is None else timeout)
            if self._thread.is_alive():
                self.v.add("walker", "walker thread did not finish in time")
        return self

    def run(self) -> "HLSWalker":
        self._run_safe()
        return self

    def _run_safe(self) -> None:
        try:
            self._run()
        except BaseException as e:  # reported as a violation; the test decides
            self._error = e
            import traceback
            self.v.add("walker", f"walker crashed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
        finally:
            self.pool.shutdown(wait=True, cancel_futures=False)
            self.finished_at = time.monotonic()

    def _deadline_left(self) -> float:
        return self.started_at + self.deadline_s - time.monotonic()

    def _get(self, url: str, timeout: float = 10.0) -> Response:
        self.requests += 1
        return http_get(url, timeout)

    def _run(self) -> None:
        self.started_at = time.monotonic()
        resp = self._wait_for_multivariant()
        if resp is None:
            return
        self.multivariant_response = resp
        self._check_common_headers(resp, "multivariant")
        self._check_playlist_headers(resp, SHORT, "multivariant")
        mv = parse_multivariant(resp.text)
        self.multivariant = mv
        self._check_multivariant(mv)
        uris = mv.playlist_uris()
        if not uris:
            self.v.add("multivariant", "no media playlists listed")
            return
        threads = []
        for uri in uris:
            name = uri.rsplit("/", 1)[-1].removesuffix(".m3u8")
            tr = TrackRecord(name, urllib.parse.urljoin(self.index_url, uri))
            self.tracks[name] = tr
        for tr in self.tracks.values():
            t = threading.Thread(target=self._walk_track, args=(tr,), name=f"walk-{tr.name}", daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(max(self._deadline_left(), 0) + 30)
            if t.is_alive():
                self.v.add("walker", f"track thread {t.name} still running after the deadline")
        # After the end: the ended event stays served.
        if all(tr.ended for tr in self.tracks.values()):
            r = self._get(self.index_url)
            if r.status != 200:
                self.v.add("ended", f"multivariant after ENDLIST: {r.brief()}")
            for tr in self.tracks.values():
                r = self._get(tr.url)
                if r.status != 200:
                    self.v.add("ended", f"{tr.name} playlist after ENDLIST: {r.brief()}")
                elif "#EXT-X-ENDLIST" not in r.text:
                    self.v.add("ended", f"{tr.name} playlist lost EXT-X-ENDLIST on reload")
                else:
                    self._check_playlist_headers(r, SHORT, f"{tr.name} ended playlist")
        self._wait_fetches()
        self._refetch_final_segments()

    def _wait_for_multivariant(self) -> Response | None:
        end = time.monotonic() + self.start_timeout
        last = None
        while time.monotonic() < end:
            r = self._get(self.index_url, timeout=15)
            if r.status == 200:
                return r
            last = r
            if r.status not in (0, 404, 503):
                self.v.add("multivariant", f"unexpected answer while waiting for the stream: {r.brief()}")
            time.sleep(0.1)
        self.v.add("multivariant", f"stream never appeared within {self.start_timeout:.0f} s "
                                   f"(last answer: {last.brief() if last else 'none'})")
        return None

    def _check_multivariant(self, mv: Multivariant) -> None:
        for p in mv.problems:
            self.v.add("multivariant", p)
        if mv.version != self.expect_version:
            self.v.add("multivariant", f"EXT-X-VERSION is {mv.version}, contract says {self.expect_version}")
        if not mv.variants:
            self.v.add("multivariant", "no EXT-X-STREAM-INF")
        for attrs, uri in mv.variants:
            for key in ("BANDWIDTH", "CODECS"):
                if key not in attrs:
                    self.v.add("multivariant", f"EXT-X-STREAM-INF for {uri} lacks {key}")
            if "BANDWIDTH" in attrs and not attrs["BANDWIDTH"].isdigit():
                self.v.add("multivariant", f"BANDWIDTH not an integer: {attrs['BANDWIDTH']}")
            if "AUDIO" in attrs and not any(m.get("GROUP-ID") == attrs["AUDIO"] for m in mv.media):
                self.v.add("multivariant", f"AUDIO group {attrs['AUDIO']} has no EXT-X-MEDIA")
            if "/" in uri or uri.startswith("http"):
                self.v.add("multivariant", f"variant URI is not a relative file name: {uri}")
        for m in mv.media:
            if m.get("TYPE") == "AUDIO" and not m.get("URI"):
                self.v.add("multivariant", f"EXT-X-MEDIA without URI: {m}")

    # -- per track

    def _walk_track(self, tr: TrackRecord) -> None:
        failures = 0
        pl = None
        while pl is None:
            if self._deadline_left() <= 0:
                self.v.add("deadline", f"[{tr.name}] media playlist never answered 200")
                return
            r = self._get(tr.url)
            if r.status == 200:
                pl = self._handle_playlist(tr, r, None)
            else:
                self.v.add("playlist.status", f"[{tr.name}] {r.brief()}")
                failures += 1
                if failures > 5:
                    return
                time.sleep(0.2)
        for _ in range(20000):
            if pl.endlist:
                tr.ended = True
                tr.final = pl
                return
            if self._deadline_left() <= 0:
                self.v.add("deadline", f"[{tr.name}] no EXT-X-ENDLIST within {self.deadline_s:.0f} s "
                                       f"(last msn/part requested {pl.next_request()})")
                tr.final = pl
                return
            msn, part = pl.next_request()
            hold = 3 * (tr.target_duration or 6) + 5
            url = f"{tr.url}?_HLS_msn={msn}&_HLS_part={part}"
            r = self._get(url, timeout=hold)
            if r.status == 200:
                pl = self._handle_playlist(tr, r, (msn, part))
                failures = 0
                continue
            self.v.add("blocking.status", f"[{tr.name}] _HLS_msn={msn}&_HLS_part={part} -> {r.brief()} "
                                          f"after {r.elapsed:.2f} s")
            failures += 1
            if failures > 5:
                tr.final = pl
                return
            r = self._get(tr.url)
            if r.status == 200:
                pl = self._handle_playlist(tr, r, None)
            else:
                time.sleep(0.2)
        self.v.add("walker", f"[{tr.name}] request budget exhausted")

    def _handle_playlist(self, tr: TrackRecord, r: Response, requested: tuple[int, int] | None) -> MediaPlaylist:
        pl = parse_media_playlist(r.text)
        n = len(tr.playlists)
        tr.playlists.append((requested, r, pl))
        where = f"[{tr.name} #{n}{'' if requested is None else f' msn={requested[0]} part={requested[1]}'}]"
        self._check_common_headers(r, where)
        if pl.endlist:
            self._check_playlist_headers(r, SHORT, where)
        else:
            self._check_playlist_headers(r, BLOCKING if requested else SHORT, where)
        if requested is not None and not pl.satisfies(*requested):
            last = pl.last_part()
            self.v.add("blocking.premature",
                       f"{where} answered without the requested part; last listed part is "
                       f"{(last.msn, last.index) if last else None}, next msn {pl.next_msn}")
            time.sleep(0.05)  # do not spin against a server that never holds
        self._check_media_playlist(tr, pl, where)
        self._schedule_fetches(tr, pl)
        return pl

    def _check_media_playlist(self, tr: TrackRecord, pl: MediaPlaylist, where: str) -> None:
        v = self.v
        for p in pl.problems:
            v.add("playlist.syntax", f"{where} {p}")
        if pl.version != self.expect_version:
            v.add("playlist.version", f"{where} EXT-X-VERSION {pl.version}, contract says {self.expect_version}")
        if pl.skip:
            v.add("playlist.skip", f"{where} EXT-X-SKIP without a _HLS_skip request")
        if not pl.has_media_sequence:
            v.add("playlist.media-sequence", f"{where} no EXT-X-MEDIA-SEQUENCE")
        # TARGETDURATION and PART-TARGET never change.
        if pl.target_duration is None:
            v.add("playlist.targetduration", f"{where} no EXT-X-TARGETDURATION")
        elif tr.target_duration is None:
            tr.target_duration = pl.target_duration
        elif pl.target_duration != tr.target_duration:
            v.add("playlist.targetduration", f"{where} EXT-X-TARGETDURATION changed "
                                             f"{tr.target_duration} -> {pl.target_duration}")
        if pl.part_target is None:
            v.add("playlist.part-target", f"{where} no EXT-X-PART-INF:PART-TARGET")
        elif tr.part_target is None:
            tr.part_target = pl.part_target
        elif abs(pl.part_target - tr.part_target) > 1e-9:
            v.add("playlist.part-target", f"{where} PART-TARGET changed {tr.part_target} -> {pl.part_target}")
        td = tr.target_duration or pl.target_duration
        pt = tr.part_target or pl.part_target
        # Server control.
        sc = pl.server_control
        if sc.get("CAN-BLOCK-RELOAD") != "YES":
            v.add("playlist.server-control", f"{where} CAN-BLOCK-RELOAD is {sc.get('CAN-BLOCK-RELOAD')!r}")
        try:
            phb = float(sc.get("PART-HOLD-BACK", "nan"))
        except ValueError:
            phb = math.nan
        if pt and not (phb >= 3 * pt - DUR_SLACK):
            v.add("playlist.server-control", f"{where} PART-HOLD-BACK {sc.get('PART-HOLD-BACK')} < 3 x PART-TARGET {pt}")
        if "HOLD-BACK" in sc and td:
            try:
                if float(sc["HOLD-BACK"]) < 3 * td - DUR_SLACK:
                    v.add("playlist.server-control", f"{where} HOLD-BACK {sc['HOLD-BACK']} < 3 x TARGETDURATION {td}")
            except ValueError:
                v.add("playlist.server-control", f"{where} HOLD-BACK not a number: {sc['HOLD-BACK']}")
        # Sequence numbers never go backwards.
        if tr.last_media_sequence is not None and pl.media_sequence < tr.last_media_sequence:
            v.add("playlist.media-sequence", f"{where} EXT-X-MEDIA-SEQUENCE went back "
                                             f"{tr.last_media_sequence} -> {pl.media_sequence}")
        tr.last_media_sequence = max(pl.media_sequence, tr.last_media_sequence or 0)
        if pl.discontinuity_sequence is not None:
            if tr.last_disc_sequence is not None and pl.discontinuity_sequence < tr.last_disc_sequence:
                v.add("playlist.discontinuity-sequence", f"{where} went back {tr.last_disc_sequence} -> "
                                                         f"{pl.discontinuity_sequence}")
            tr.last_disc_sequence = pl.discontinuity_sequence
        # Map and date.
        first_map = pl.segments[0].map_uri if pl.segments else pl.trailing_map
        if (pl.segments or pl.trailing_parts) and not first_map:
            v.add("playlist.map", f"{where} no EXT-X-MAP before the first segment")
        if pl.segments and not pl.segments[0].pdt:
            v.add("playlist.program-date-time", f"{where} no EXT-X-PROGRAM-DATE-TIME on the first segment")
        for s in pl.segments:
            if s.discontinuity and not s.pdt:
                v.add("playlist.program-date-time", f"{where} segment {s.msn} after a discontinuity has no PDT")
            if s.pdt and not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$", s.pdt):
                v.add("playlist.program-date-time", f"{where} malformed PDT {s.pdt}")
        # Durations.
        for s in pl.segments:
            if td is not None and math.floor(s.duration + 0.5) > td:
                v.add("playlist.extinf", f"{where} segment {s.msn} EXTINF {s.duration} rounds above "
                                         f"TARGETDURATION {td}")
            if s.duration <= 0:
                v.add("playlist.extinf", f"{where} segment {s.msn} EXTINF {s.duration}")
        for part in pl.all_parts():
            if pt is not None and part.duration > pt + DUR_SLACK:
                v.add("playlist.part-duration", f"{where} part {part.msn}.{part.index} DURATION {part.duration} "
                                                f"> PART-TARGET {pt}")
            if part.duration <= 0:
                v.add("playlist.part-duration", f"{where} part {part.msn}.{part.index} DURATION {part.duration}")
        # Live edge and end.
        if pl.endlist:
            if pl.preload_hints:
                v.add("playlist.preload-hint", f"{where} EXT-X-PRELOAD-HINT after EXT-X-ENDLIST")
            if pl.trailing_parts:
                v.add("playlist.endlist", f"{where} parts of an unfinished segment after EXT-X-ENDLIST")
        else:
            part_hints = [h for h in pl.preload_hints if h.get("TYPE") == "PART"]
            if not part_hints:
                v.add("playlist.preload-hint", f"{where} live playlist without EXT-X-PRELOAD-HINT TYPE=PART")
            elif self.contract_uris:
                m = URI_PART.match(part_hints[0].get("URI", ""))
                last = pl.last_part()
                if not m:
                    v.add("playlist.uri", f"{where} preload hint URI {part_hints[0].get('URI')!r}")
                elif last is not None:
                    hinted = (int(m.group(3)), int(m.group(4)))
                    if hinted not in ((last.msn, last.index + 1), (last.msn + 1, 0)):
                        v.add("playlist.preload-hint", f"{where} hint {hinted} is not the part after "
                                                       f"{(last.msn, last.index)}")
            # Before the first segment completes, another track may have nothing to report yet.
            others = [t for t in self.tracks if t != tr.name] if pl.segments else []
            for other in others:
                if not any(rr.get("URI", "").endswith(f"{other}.m3u8") for rr in pl.rendition_reports):
                    v.add("playlist.rendition-report", f"{where} no EXT-X-RENDITION-REPORT for {other}.m3u8")
            for rr in pl.rendition_reports:
                for key in ("LAST-MSN", "LAST-PART"):
                    if key in rr and not rr[key].isdigit():
                        v.add("playlist.rendition-report", f"{where} {key}={rr[key]!r}")
        # A gap segment is made of gap parts only, and gap parts only make gap segments.
        for s in pl.segments:
            if s.parts and s.gap != all(p.gap for p in s.parts):
                v.add("playlist.gap", f"{where} segment {s.msn} EXT-X-GAP {s.gap} but its parts' GAP "
                                      f"{[p.gap for p in s.parts]}")
        # Parts of a listed segment are complete and numbered from 0.
        for s in pl.segments:
            if s.parts:
                self._check_uris_of(tr, s, where)
        if pl.trailing_parts:
            for p in pl.trailing_parts:
                self._check_part_uri(tr, p, where)
        for s in pl.segments:
            self._record_meaning(tr, s.uri, ("segment", s.msn, round(s.duration, 3)), where)
            if self.contract_uris:
                m = URI_SEGMENT.match(s.uri)
                if not m:
                    v.add("playlist.uri", f"{where} segment URI {s.uri!r} does not match TRACK/EPOCH/MSN.m4s")
                else:
                    self._check_epoch_track(tr, m.group(1), m.group(2), where, s.uri)
                    if int(m.group(3)) != s.msn:
                        v.add("playlist.uri", f"{where} segment {s.uri} sits at media sequence {s.msn}")
            if s.map_uri:
                self._check_map_uri(tr, s.map_uri, where)
            # Remember what a complete segment looked like the first time it was listed with parts.
            known = tr.segments.get(s.msn)
            if known is None or (s.parts and not known.parts):
                tr.segments[s.msn] = s
            elif s.parts and [p.uri for p in s.parts] != [p.uri for p in known.parts]:
                v.add("playlist.meaning", f"{where} segment {s.msn} listed with different parts than before")
            if s.map_uri:
                tr.map_of_msn[s.msn] = s.map_uri
            if s.discontinuity:
                tr.discontinuity_msns.add(s.msn)
        if pl.trailing_map:
            tr.map_of_msn.setdefault(pl.next_msn, pl.trailing_map)
            self._check_map_uri(tr, pl.trailing_map, where)
        if pl.trailing_discontinuity:
            tr.discontinuity_msns.add(pl.next_msn)
        for p in pl.all_parts():
            self._record_meaning(tr, p.uri, ("part", p.msn, p.index, round(p.duration, 3), p.independent), where)
            tr.parts[(p.msn, p.index)] = p

    def _check_uris_of(self, tr: TrackRecord, s: Segment, where: str) -> None:
        for p in s.parts:
            self._check_part_uri(tr, p, where)

    def _check_part_uri(self, tr: TrackRecord, p: Part, where: str) -> None:
        if not self.contract_uris:
            return
        m = URI_PART.match(p.uri)
        if not m:
            self.v.add("playlist.uri", f"{where} part URI {p.uri!r} does not match TRACK/EPOCH/MSN.PART.m4s")
            return
        self._check_epoch_track(tr, m.group(1), m.group(2), where, p.uri)
        if (int(m.group(3)), int(m.group(4))) != (p.msn, p.index):
            self.v.add("playlist.uri", f"{where} part {p.uri} is listed as part {p.index} of segment {p.msn}")

    def _check_map_uri(self, tr: TrackRecord, uri: str, where: str) -> None:
        if not self.contract_uris:
            return
        m = URI_MAP.match(uri)
        if not m:
            self.v.add("playlist.uri", f"{where} map URI {uri!r} does not match TRACK/EPOCH/init-N.mp4")
        else:
            self._check_epoch_track(tr, m.group(1), m.group(2), where, uri)

    def _check_epoch_track(self, tr: TrackRecord, track: str, epoch: str, where: str, uri: str) -> None:
        if track != tr.name:
            self.v.add("playlist.uri", f"{where} URI {uri} names track {track}")
        self.epochs.add(epoch)
        if len(self.epochs) > 1:
            self.v.add("playlist.uri", f"{where} several publish epochs in one event: {sorted(self.epochs)}")

    def _record_meaning(self, tr: TrackRecord, uri: str, meaning: tuple, where: str) -> None:
        old = tr.meaning.get(uri)
        if old is None:
            tr.meaning[uri] = meaning
        elif old != meaning:
            self.v.add("playlist.meaning", f"{where} {uri} changed meaning {old} -> {meaning}")

    # -- fetching

    def _schedule_fetches(self, tr: TrackRecord, pl: MediaPlaylist) -> None:
        maps = {s.map_uri for s in pl.segments if s.map_uri}
        if pl.trailing_map:
            maps.add(pl.trailing_map)
        for m in sorted(maps):
            self._fetch(tr, m, "init")
        # Gaps are not loaded (RFC 8216bis: clients MUST NOT load GAP=YES parts).
        for s in pl.segments:
            for p in s.parts:
                if not p.gap:
                    self._fetch(tr, p.uri, "part")
            if not s.gap:
                self._fetch(tr, s.uri, "segment")
        for p in pl.trailing_parts:
            if not p.gap:
                self._fetch(tr, p.uri, "part")
        for h in pl.preload_hints:
            if h.get("TYPE") == "PART" and h.get("URI") and "BYTERANGE-START" not in h:
                self._fetch(tr, h["URI"], "part", hint=True)

    def _fetch(self, tr: TrackRecord, uri: str, kind: str, hint: bool = False) -> None:
        url = urllib.parse.urljoin(tr.url, uri)
        with self.fetch_lock:
            if url in self.fetches:
                return
            f = Fetched(uri, url, kind, tr.name, hint)
            timeout = 3 * (tr.target_duration or 6) + 5
            fut = self.pool.submit(self._do_fetch, f, timeout)
            self.fetches[url] = (f, fut)

    def _do_fetch(self, f: Fetched, timeout: float) -> None:
        f.response = self._get(f.url, timeout=timeout)

    def _wait_fetches(self) -> None:
        for _ in range(3):
            with self.fetch_lock:
                futs = [fut for _, fut in self.fetches.values()]
            for fut in futs:
                try:
                    fut.result(timeout=max(self._deadline_left(), 0) + 30)
                except Exception as e:  # noqa: BLE001 - reported
                    self.v.add("fetch", f"fetch failed: {e}")

    def _refetch_final_segments(self) -> None:
        """A URI never changes meaning: fetch the final segments again and compare bytes."""
        for tr in self.tracks.values():
            if tr.final is None:
                continue
            for s in tr.final.segments:
                url = urllib.parse.urljoin(tr.url, s.uri)
                entry = self.fetches.get(url)
                if entry is None or entry[0].response is None or entry[0].response.status != 200:
                    continue
                r = self._get(url)
                if r.status != 200:
                    self.v.add("refetch", f"[{tr.name}] {s.uri} listed in the ended playlist: {r.brief()}")
                elif r.body != entry[0].response.body:
                    self.v.add("refetch", f"[{tr.name}] {s.uri} returned different bytes on a second fetch")

    # -- header checks

    def _check_common_headers(self, r: Response, where: str) -> None:
        if r.header("access-control-allow-origin") != "*":
            self.v.add("headers.cors", f"{where} {r.url}: Access-Control-Allow-Origin "
                                       f"{r.header('access-control-allow-origin')!r}")

    def _check_playlist_headers(self, r: Response, cache: str, where: str) -> None:
        ct = r.header("content-type").split(";")[0].strip().lower()
        if ct != PLAYLIST_TYPE:
            self.v.add("headers.content-type", f"{where} {r.url}: Content-Type {r.header('content-type')!r}")
        if cache_directives(r.header("cache-control")) != cache_directives(cache):
            self.v.add("headers.cache-control", f"{where} {r.url}: Cache-Control "
                                                f"{r.header('cache-control')!r}, want {cache!r}")

    # -- analysis after the walk

    def body(self, tr: TrackRecord, uri: str) -> bytes | None:
        entry = self.fetches.get(urllib.parse.urljoin(tr.url, uri))
        if entry is None or entry[0].response is None or entry[0].response.status != 200:
            return None
        return entry[0].response.body

    def analyse(self) -> "HLSWalker":
        """Checks every fetched resource; idempotent."""
        if self.analysis_done:
            return self
        self.analysis_done = True
        listed = set()
        for tr in self.tracks.values():
            for uri in tr.meaning:
                listed.add(urllib.parse.urljoin(tr.url, uri))
            for m in tr.map_of_msn.values():
                listed.add(urllib.parse.urljoin(tr.url, m))
        inits: dict[str, fmp4.InitInfo] = {}
        for url, (f, _) in sorted(self.fetches.items()):
            r = f.response
            if r is None:
                self.v.add("fetch", f"{f.uri}: never completed")
                continue
            if f.hint and url not in listed:
                # A hinted part that never got listed: fine only if the event ended first.
                tr = self.tracks[f.track]
                if r.status == 200:
                    self.v.add("hint", f"[{f.track}] hinted part {f.uri} answered 200 but never appeared "
                                       f"in a playlist")
                elif not (tr.ended and r.status == 404):
                    self.v.add("hint", f"[{f.track}] hinted part {f.uri} -> {r.brief()} and never listed")
                continue
            if r.status != 200:
                self.v.add("media.status", f"[{f.track}] {f.kind}{' (preload hint)' if f.hint else ''} "
                                           f"{r.brief()} after {r.elapsed:.2f} s")
                continue
            self._check_common_headers(r, f"[{f.track}]")
            if cache_directives(r.header("cache-control")) != cache_directives(IMMUTABLE):
                self.v.add("headers.cache-control", f"[{f.track}] {f.uri}: Cache-Control "
                                                    f"{r.header('cache-control')!r}, want {IMMUTABLE!r}")
            if f.kind == "init":
                try:
                    inits[url] = fmp4.parse_init(r.body)
                except fmp4.Fmp4Error as e:
                    self.v.add("media.init", f"[{f.track}] {f.uri}: {e}")
        for tr in self.tracks.values():
            self._analyse_track(tr, inits)
        return self

    def _expected_type(self, handler: str, track: str) -> str:
        kind = {"vide": "video", "soun": "audio"}.get(handler) or ("audio" if "audio" in track else "video")
        return f"{kind}/mp4"

    def _analyse_track(self, tr: TrackRecord, inits: dict[str, fmp4.InitInfo]) -> None:
        v = self.v
        map_urls = {urllib.parse.urljoin(tr.url, m) for m in tr.map_of_msn.values()}
        handlers = {inits[u].handler for u in map_urls if u in inits}
        tr.handler = next(iter(handlers), "")
        if len(handlers) > 1:
            v.add("media.init", f"[{tr.name}] init segments of different media types: {handlers}")
        want_ct = self._expected_type(tr.handler, tr.name)
        for url, (f, _) in self.fetches.items():
            if f.track == tr.name and f.response is not None and f.response.status == 200:
                ct = f.response.header("content-type").split(";")[0].strip().lower()
                if ct != want_ct:
                    v.add("headers.content-type", f"[{tr.name}] {f.uri}: Content-Type "
                                                  f"{f.response.header('content-type')!r}, want {want_ct}")

        def init_for(msn: int) -> fmp4.InitInfo | None:
            candidates = [m for k, m in tr.map_of_msn.items() if k <= msn]
            uri = tr.map_of_msn.get(msn) or (candidates[-1] if candidates else None)
            if uri is None and tr.map_of_msn:
                uri = tr.map_of_msn[min(tr.map_of_msn)]
            return inits.get(urllib.parse.urljoin(tr.url, uri)) if uri else None

        is_video = tr.handler == "vide"
        pt = tr.part_target
        # Parts: bytes agree with the playlist.
        part_times: dict[tuple[int, int], tuple[int, int, int]] = {}
        for key in sorted(tr.parts):
            p = tr.parts[key]
            if p.gap:  # no media; only fetched if a preload hint named it before it was listed
                continue
            body = self.body(tr, p.uri)
            init = init_for(p.msn)
            if body is None or init is None:
                continue
            try:
                frags = fmp4.parse_fragments(body, init)
            except fmp4.Fmp4Error as e:
                v.add("media.part", f"[{tr.name}] {p.uri}: {e}")
                continue
            types = [b.type for b in fmp4.iter_boxes(body)]
            if types[:1] != ["moof"]:
                v.add("media.part", f"[{tr.name}] {p.uri} starts with {types[:1]}, a part is moof+mdat")
            self._check_fragments(tr, p.uri, frags, init)
            dur = sum(fr.duration for fr in frags) / init.timescale
            if abs(dur - p.duration) > DUR_SLACK + 1.0 / init.timescale:
                v.add("media.duration", f"[{tr.name}] {p.uri}: samples last {dur:.4f} s, playlist says {p.duration}")
            first_sync = frags[0].samples[0].sync
            if p.independent and not first_sync:
                v.add("media.independent", f"[{tr.name}] {p.uri} is INDEPENDENT=YES but starts with a non-sync sample")
            if is_video and p.index == 0 and first_sync and not p.independent:
                v.add("media.independent", f"[{tr.name}] {p.uri} starts segment {p.msn} with a keyframe but is "
                                           f"not INDEPENDENT=YES")
            start = frags[0].base_decode_time
            part_times[key] = (start, start + sum(fr.duration for fr in frags), init.timescale)
        # Part durations within a complete segment, and segment = its parts joined.
        for msn in sorted(tr.segments):
            s = tr.segments[msn]
            if s.parts and pt:
                for p in s.parts[:-1]:
                    if p.duration < 0.85 * pt - DUR_SLACK and not p.independent:
                        v.add("playlist.part-duration", f"[{tr.name}] part {p.msn}.{p.index} DURATION {p.duration} "
                                                        f"< 85% of PART-TARGET {pt} and it is neither independent "
                                                        f"nor the last part of its segment")
                total = sum(p.duration for p in s.parts)
                if abs(total - s.duration) > DUR_SLACK * (len(s.parts) + 1):
                    v.add("playlist.extinf", f"[{tr.name}] segment {msn} EXTINF {s.duration} but its parts "
                                             f"add up to {total:.3f}")
            if s.gap:
                continue
            body = self.body(tr, s.uri)
            init = init_for(msn)
            if body is None or init is None:
                continue
            if s.parts:
                bodies = [self.body(tr, p.uri) for p in s.parts]
                if all(b is not None for b in bodies) and b"".join(bodies) != body:
                    v.add("media.segment-parts", f"[{tr.name}] {s.uri} ({len(body)} bytes) is not its "
                                                 f"{len(s.parts)} parts joined ({sum(len(b) for b in bodies)} bytes)")
            try:
                frags = fmp4.parse_fragments(body, init)
            except fmp4.Fmp4Error as e:
                v.add("media.segment", f"[{tr.name}] {s.uri}: {e}")
                continue
            self._check_fragments(tr, s.uri, frags, init)
            dur = sum(fr.duration for fr in frags) / init.timescale
            if abs(dur - s.duration) > DUR_SLACK + 1.0 / init.timescale:
                v.add("media.duration", f"[{tr.name}] {s.uri}: samples last {dur:.4f} s, EXTINF says {s.duration}")
            if s.parts and s.parts[0].independent and not frags[0].samples[0].sync:
                v.add("media.independent", f"[{tr.name}] {s.uri}: first part INDEPENDENT but no keyframe")
        # Decode times are contiguous from part to part (except at discontinuities).
        prev = None
        for key in sorted(part_times):
            start, end, ts = part_times[key]
            if prev is not None:
                pkey, pend, pts = prev
                follows = key == (pkey[0], pkey[1] + 1) or (
                    key == (pkey[0] + 1, 0) and pkey[0] in tr.segments
                    and len(tr.segments[pkey[0]].parts) == pkey[1] + 1)
                if follows and key[0] not in tr.discontinuity_msns and ts == pts and start != pend:
                    v.add("media.tfdt", f"[{tr.name}] part {key[0]}.{key[1]} starts at {start}, previous part "
                                        f"ended at {pend} (timescale {ts})")
            prev = (key, end, ts)

    def _check_fragments(self, tr: TrackRecord, uri: str, frags: list[fmp4.Fragment], init: fmp4.InitInfo) -> None:
        for fr in frags:
            if fr.tfdt_version != 1:
                self.v.add("media.tfdt", f"[{tr.name}] {uri}: tfdt version {fr.tfdt_version}, contract wants 64-bit")
            if fr.track_id != init.track_id:
                self.v.add("media.part", f"[{tr.name}] {uri}: tfhd track {fr.track_id}, init has {init.track_id}")
            if any(s.duration == 0 for s in fr.samples):
                self.v.add("media.sample", f"[{tr.name}] {uri}: zero-duration sample")
            if any(s.size == 0 for s in fr.samples):
                self.v.add("media.sample", f"[{tr.name}] {uri}: empty sample")

    # -- results

    def check(self, allow: frozenset[str] = frozenset()) -> "HLSWalker":
        """Raises AssertionError listing every violation outside the `allow`ed categories."""
        self.analyse()
        if self.v.categories() - allow:
            raise AssertionError(self.summary())
        return self

    def summary(self) -> str:
        counts = {t.name: (len(t.playlists), len(t.segments), len(t.parts)) for t in self.tracks.values()}
        return (f"HLS walk of {self.label}: {len(self.v)} violation(s); playlists/segments/parts per track "
                f"{counts}; {self.requests} requests\n{self.v.report()}")

    def assemble(self, outdir: Path) -> dict[str, Path]:
        """Writes init + segments per track (from the first keyframe segment) into outdir/TRACK.mp4."""
        self.analyse()
        outdir.mkdir(parents=True, exist_ok=True)
        out = {}
        for tr in self.tracks.values():
            msns = sorted(tr.segments)
            chosen: list[bytes] = []
            map_uri = None
            for msn in msns:
                s = tr.segments[msn]
                if s.gap:
                    continue
                body = self.body(tr, s.uri)
                if body is None and s.parts:
                    parts = [self.body(tr, p.uri) for p in s.parts]
                    body = b"".join(parts) if all(b is not None for b in parts) else None
                if body is None:
                    if chosen:
                        self.v.add("assemble", f"[{tr.name}] segment {msn} missing; output stops before it")
                        break
                    continue
                m = tr.map_of_msn.get(msn, map_uri)
                if chosen and m != map_uri:
                    self.v.add("assemble", f"[{tr.name}] init changes at segment {msn}; only the first run is assembled")
                    break
                if not chosen:
                    init = self.body(tr, m) if m else None
                    if init is None:
                        continue
                    try:
                        info = fmp4.parse_init(init)
                        first = fmp4.parse_fragments(body, info)[0].samples[0]
                    except fmp4.Fmp4Error:
                        continue
                    if not first.sync:
                        continue
                    map_uri = m
                    chosen.append(init)
                chosen.append(body)
            if chosen:
                path = outdir / f"{tr.name}.mp4"
                path.write_bytes(b"".join(chosen))
                out[tr.name] = path
            else:
                self.v.add("assemble", f"[{tr.name}] nothing to assemble")
        return out

    def track_kind(self, name: str) -> str:
        h = self.tracks[name].handler if name in self.tracks else ""
        return {"vide": "video", "soun": "audio"}.get(h, name)


# ---------------------------------------------------------------- decoding and source comparison


def decode_errors(path: Path | str, timeout: float = 120) -> str:
    """Decodes everything; returns what ffmpeg printed at -v error (empty when clean)."""
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)
    out = p.stderr.strip()
    if p.returncode != 0:
        out = f"exit {p.returncode}: {out}"
    return out


def probe_packets(path: Path, selector: str) -> list[tuple[float, float]]:
    """(pts ms, dts ms) of every packet of the selected stream, in file order."""
    import json
    p = subprocess.run(["ffprobe", "-v", "error", "-select_streams", selector, "-show_entries",
                        "stream=time_base:packet=pts,dts", "-of", "json", str(path)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"ffprobe {path}: {p.stderr}")
    j = json.loads(p.stdout)
    if not j.get("streams"):
        return []
    num, den = (int(x) for x in j["streams"][0]["time_base"].split("/"))
    out = []
    for pk in j.get("packets", []):
        if "pts" not in pk or "dts" not in pk:
            continue
        out.append((int(pk["pts"]) * 1000.0 * num / den, int(pk["dts"]) * 1000.0 * num / den))
    return out


def compare_with_source(files: dict[str, Path], kinds: dict[str, str], source, label: str = "") -> list[str]:
    """Decodes the assembled tracks and compares them with the source (see media.SourceInfo).

    - both tracks decode with no message at -v error;
    - video: decoded frame count within one GOP of the source, DTS strictly increasing,
      every decoded frame is a source frame (by decoded-picture hash), all at one constant
      time offset, and no source frame missing between the first and the last one shown;
    - audio: present, packet count within one GOP's worth of the source, and aligned with
      the source at an offset within 100 ms of the video offset (sync).
    """
    import media
    errs: list[str] = []
    video = next((p for n, p in files.items() if kinds.get(n) == "video"), None)
    audio = next((p for n, p in files.items() if kinds.get(n) == "audio"), None)
    if video is None:
        return [f"{label}: no video track assembled (tracks: {kinds})"]
    if audio is None:
        errs.append(f"{label}: no audio track assembled (tracks: {kinds})")
    for path in (video, audio):
        if path is None:
            continue
        e = decode_errors(path)
        if e:
            errs.append(f"{label}: decoding {path.name} printed errors:\n{e[:2000]}")
    # Video timestamps.
    pk = probe_packets(video, "v:0")
    dts = [d for _, d in pk]
    bad = [(i, a, b) for i, (a, b) in enumerate(zip(dts, dts[1:])) if b <= a]
    if bad:
        errs.append(f"{label}: video DTS not strictly increasing at {len(bad)} place(s), e.g. {bad[:3]}")
    frames = media.frame_hashes(video)
    n_src = source.video_frames
    if abs(len(frames) - n_src) > source.gop_frames:
        errs.append(f"{label}: {len(frames)} decoded video frames, source has {n_src} "
                    f"(allowed difference: one GOP = {source.gop_frames})")
    unknown = [(round(t, 1), h) for t, h in frames if h not in source.frame_md5]
    if unknown:
        errs.append(f"{label}: {len(unknown)} decoded frames match no source frame (corrupt or misordered), "
                    f"first at {unknown[:3]}")
    matched = [(t, source.frame_md5[h]) for t, h in frames if h in source.frame_md5]
    voff = None
    if matched:
        offsets = sorted(t - s for t, s in matched)
        voff = offsets[len(offsets) // 2]
        off_bad = [(round(t, 1), s) for t, s in matched if abs((t - s) - voff) > 2.0]
        if off_bad:
            errs.append(f"{label}: {len(off_bad)} frames shown at a different time than in the source "
                        f"(offset {voff:.1f} ms), e.g. (output ms, source ms) {off_bad[:4]}")
        seen_src = {s for _, s in matched}
        lo, hi = min(seen_src), max(seen_src)
        missing = sorted(s for s in source.frame_md5.values() if lo <= s <= hi and s not in seen_src)
        if missing:
            errs.append(f"{label}: {len(missing)} source frames between {lo} and {hi} ms missing, e.g. {missing[:6]}")
        dup = len(matched) - len(seen_src)
        if dup:
            errs.append(f"{label}: {dup} source frames decoded more than once")
    # Audio presence and sync.
    if audio is not None:
        apk = probe_packets(audio, "a:0")
        per_gop = source.gop_seconds * 48000 / 1024
        if abs(len(apk) - len(source.audio_pts)) > per_gop + 2:
            errs.append(f"{label}: {len(apk)} audio packets, source has {len(source.audio_pts)}")
        if apk and voff is not None:
            src = sorted(source.audio_pts)
            out = sorted(p for p, _ in apk)
            best = None
            for cand in {round(o - s) for o in out[:3] for s in src}:
                if abs(cand - voff) > 150:
                    continue
                hits = _count_matches(out, src, cand, 2.0)
                if best is None or hits > best[1] or (hits == best[1] and abs(cand - voff) < abs(best[0] - voff)):
                    best = (cand, hits)
            if best is None or best[1] < 0.9 * len(out):
                errs.append(f"{label}: audio does not line up with the source within 150 ms of the video "
                            f"offset {voff:.1f} ms (best {best})")
            elif abs(best[0] - voff) > 100:
                errs.append(f"{label}: audio/video out of sync: audio offset {best[0]} ms, video {voff:.1f} ms")
    return errs


def _count_matches(out: list[float], src: list[int], offset: float, tol: float) -> int:
    import bisect
    hits = 0
    for o in out:
        t = o - offset
        i = bisect.bisect_left(src, t - tol)
        if i < len(src) and src[i] <= t + tol:
            hits += 1
    return hits
