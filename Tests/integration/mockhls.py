"""A reference LL-HLS server in Python, used only to check the test tools themselves.

It fragments a source file with ffmpeg into CMAF parts, releases them over wall-clock
time (optionally faster than real time) and serves the HTTP contract of
notes/HTTP_CONTRACT.md, so the walker can be exercised before, and independently
of, the real server. `faults` injects known violations to prove the walker sees them.
"""

from __future__ import annotations

import math
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import fmp4


@dataclass
class MockPart:
    msn: int
    index: int
    data: bytes
    start: float
    duration: float
    independent: bool


@dataclass
class MockTrack:
    name: str
    init: bytes
    parts: list[MockPart] = field(default_factory=list)
    segments: dict[int, list[MockPart]] = field(default_factory=dict)
    part_target: float = 0.2
    target_duration: int = 3


def _fragment(src: Path, out: Path, stream: str) -> None:
    flags = "+empty_moov+default_base_moof+negative_cts_offsets"
    if stream == "v":
        flags += "+frag_keyframe"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src), "-map", f"0:{stream}:0",
                    "-c", "copy", "-f", "mp4", "-movflags", flags, "-frag_duration", "200000", str(out)],
                   check=True, timeout=120)


def _split(data: bytes) -> tuple[bytes, list[bytes]]:
    boxes = list(fmp4.iter_boxes(data))
    first = next(i for i, b in enumerate(boxes) if b.type == "moof")
    init = data[:boxes[first].start]
    frags = []
    for i in range(first, len(boxes) - 1):
        if boxes[i].type == "moof" and boxes[i + 1].type == "mdat":
            frags.append(data[boxes[i].start:boxes[i + 1].end])
    return init, frags


def build_tracks(src: Path, workdir: Path, segment: float = 2.0) -> dict[str, MockTrack]:
    workdir.mkdir(parents=True, exist_ok=True)
    tracks = {}
    boundaries: list[float] = []
    for name, stream in (("video", "v"), ("audio", "a")):
        out = workdir / f"{name}.mp4"
        _fragment(src, out, stream)
        init, frags = _split(out.read_bytes())
        info = fmp4.parse_init(init)
        tr = MockTrack(name, init)
        msn, idx, seg_start = 0, 0, None
        b = 0
        for data in frags:
            fr = fmp4.parse_fragments(data, info)[0]
            start = fr.base_decode_time / info.timescale
            dur = fr.duration / info.timescale
            sync = fr.samples[0].sync
            if seg_start is None:
                seg_start = start
            elif name == "video":
                if sync and start - seg_start >= segment - 1e-6:
                    msn, idx, seg_start = msn + 1, 0, start
                    boundaries.append(start)
            else:
                if b < len(boundaries) and start >= boundaries[b] - 1e-6:
                    msn, idx, seg_start = msn + 1, 0, start
                    b += 1
            part = MockPart(msn, idx, data, start, dur, sync and (idx == 0 or name == "video"))
            if name == "audio":
                part.independent = True
            tr.parts.append(part)
            tr.segments.setdefault(msn, []).append(part)
            idx += 1
        tr.part_target = math.ceil(max(p.duration for p in tr.parts) * 1000) / 1000
        tr.target_duration = math.ceil(max(sum(p.duration for p in ps) for ps in tr.segments.values()))
        tracks[name] = tr
    td = max(t.target_duration for t in tracks.values())
    for t in tracks.values():
        t.target_duration = td
    return tracks


class MockServer:
    def __init__(self, tracks: dict[str, MockTrack], speed: float = 1.0, faults: set[str] = frozenset(),
                 window: int = 12, path: str = "live/mock", hold: float | None = None):
        self.tracks = tracks
        self.hold = hold  # how long requests wait; default 3 target durations
        self.speed = speed
        self.faults = set(faults)
        self.window = window
        self.path = path
        self.epoch = "mock1"
        self.t0 = 0.0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        first = min(p.start for t in tracks.values() for p in t.parts)
        self.first = first
        self.end = max(p.start + p.duration for t in tracks.values() for p in t.parts)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "MockServer":
        self.t0 = time.monotonic() + 0.3
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- state at a moment

    def media_now(self) -> float:
        return self.first + (time.monotonic() - self.t0) * self.speed

    def released(self, tr: MockTrack) -> list[MockPart]:
        now = self.media_now()
        return [p for p in tr.parts if p.start + p.duration <= now + 1e-9]

    def ended(self) -> bool:
        return "no_endlist" not in self.faults and self.media_now() >= self.end + 0.05

    def render(self, tr: MockTrack) -> tuple[str, list[MockPart]]:
        rel = self.released(tr)
        ended = self.ended()
        done = {p.msn for p in rel if len(tr.segments[p.msn]) == sum(1 for q in rel if q.msn == p.msn)}
        complete = sorted(done)
        last_msn = rel[-1].msn if rel else 0
        if not ended and complete and complete[-1] == last_msn and last_msn + 1 not in tr.segments:
            complete = complete[:-1]  # the last segment closes only when the event ends
        window = complete[-self.window:]
        ms = window[0] if window else (rel[0].msn if rel else 0)
        td = tr.target_duration + (1 if "td_change" in self.faults and len(complete) > 2 else 0)
        lines = ["#EXTM3U", "#EXT-X-VERSION:9", f"#EXT-X-TARGETDURATION:{td}",
                 f"#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={3 * tr.part_target:.3f},"
                 f"HOLD-BACK={3 * td}",
                 f"#EXT-X-PART-INF:PART-TARGET={tr.part_target:.3f}",
                 f"#EXT-X-MEDIA-SEQUENCE:{ms}", "#EXT-X-DISCONTINUITY-SEQUENCE:0",
                 f'#EXT-X-MAP:URI="{tr.name}/{self.epoch}/init-0.mp4"']
        with_parts = set(window[-3:])
        for i, msn in enumerate(window):
            parts = tr.segments[msn]
            if i == 0:
                lines.append("#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.123Z")
            if msn in with_parts:
                for p in parts:
                    lines.append(self._part_line(tr, p))
            lines.append(f"#EXTINF:{sum(p.duration for p in parts):.3f},")
            lines.append(f"{tr.name}/{self.epoch}/{msn}.m4s")
        trailing = [p for p in rel if p.msn > (window[-1] if window else -1)]
        if not window and rel:
            lines.append("#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.123Z")
        for p in trailing:
            lines.append(self._part_line(tr, p))
        if ended:
            lines.append("#EXT-X-ENDLIST")
        else:
            nxt = self._next_part(tr, rel)
            if nxt is not None:
                lines.append(f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{tr.name}/{self.epoch}/{nxt.msn}.{nxt.index}.m4s"')
            for other in self.tracks.values():
                if other is tr:
                    continue
                orel = self.released(other)
                if orel:
                    lines.append(f'#EXT-X-RENDITION-REPORT:URI="{other.name}.m3u8",LAST-MSN={orel[-1].msn},'
                                 f'LAST-PART={orel[-1].index}')
        return "\n".join(lines) + "\n", rel

    def _part_line(self, tr: MockTrack, p: MockPart) -> str:
        ind = ",INDEPENDENT=YES" if p.independent else ""
        return f'#EXT-X-PART:DURATION={p.duration:.3f},URI="{tr.name}/{self.epoch}/{p.msn}.{p.index}.m4s"{ind}'

    def _next_part(self, tr: MockTrack, rel: list[MockPart]) -> MockPart | None:
        i = len(rel)
        if i < len(tr.parts):
            return tr.parts[i]
        # Like a live server, hint the part that would come next until the end is known.
        last = tr.parts[-1]
        return MockPart(last.msn, last.index + 1, b"", 0, 0, False)

    def satisfied(self, tr: MockTrack, msn: int, part: int | None) -> bool:
        if self.ended():
            return True
        rel = self.released(tr)
        if part is None:
            return any(p.msn == msn for p in rel) and sum(1 for p in rel if p.msn == msn) == len(tr.segments.get(msn, []))
        seg = tr.segments.get(msn, [])
        if seg and part >= len(seg) and all(p in rel for p in seg):
            msn, part = msn + 1, 0
        return any((p.msn, p.index) >= (msn, part) for p in rel)

    # -- HTTP

    def _handler(self):
        server = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def send(self, status: int, body: bytes, ctype: str, cache: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Cache-Control", cache)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def error(self, status: int, text: str) -> None:
                self.send(status, text.encode() + b"\n", "text/plain; charset=utf-8", "no-store")

            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(u.query))
                prefix = f"/{server.path}/"
                if not u.path.startswith(prefix):
                    return self.error(404, "not found")
                rest = u.path[len(prefix):]
                if server.media_now() < server.first:
                    return self.error(404, "not live")
                if rest == "index.m3u8":
                    body = ("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,'
                            'CHANNELS="2",URI="audio.m3u8"\n'
                            '#EXT-X-STREAM-INF:BANDWIDTH=1200000,CODECS="avc1.64001f,mp4a.40.2",'
                            'RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO="audio"\nvideo.m3u8\n')
                    return self.send(200, body.encode(), "application/vnd.apple.mpegurl", "public, max-age=1")
                if rest.endswith(".m3u8"):
                    tr = server.tracks.get(rest[:-5])
                    if tr is None:
                        return self.error(404, "no such track")
                    return self.playlist(tr, q)
                bits = rest.split("/")
                if len(bits) != 3 or bits[0] not in server.tracks or bits[1] != server.epoch:
                    return self.error(404, "not found")
                tr = server.tracks[bits[0]]
                ctype = "video/mp4" if tr.name == "video" else "audio/mp4"
                cache = "public, max-age=31536000, immutable"
                if bits[2] == "init-0.mp4":
                    return self.send(200, tr.init, ctype, cache)
                name = bits[2].removesuffix(".m4s")
                nums = name.split(".")
                try:
                    msn = int(nums[0])
                    idx = int(nums[1]) if len(nums) == 2 else None
                except ValueError:
                    return self.error(404, "not found")
                seg = tr.segments.get(msn)
                if seg is None or (idx is not None and idx >= len(seg)):
                    return self.error(404, "not found")
                deadline = time.monotonic() + (server.hold or 3 * tr.target_duration)
                target = seg[-1] if idx is None else seg[idx]
                while target not in server.released(tr):
                    if time.monotonic() > deadline:
                        return self.error(503, "timed out")
                    time.sleep(0.005)
                if idx is None:
                    body = b"".join(p.data for p in seg)
                    if "segment_bytes" in server.faults and msn == 1:
                        body = body[:-1] + bytes([body[-1] ^ 0xFF])
                    return self.send(200, body, ctype, cache)
                if "cache" in server.faults:
                    cache = "no-cache"
                return self.send(200, seg[idx].data, ctype, cache)

            def playlist(self, tr: MockTrack, q: dict) -> None:
                if "_HLS_part" in q and "_HLS_msn" not in q:
                    return self.error(400, "_HLS_part without _HLS_msn")
                blocking = "_HLS_msn" in q
                if blocking and not server.ended() and "premature" not in server.faults:
                    try:
                        msn = int(q["_HLS_msn"])
                        part = int(q["_HLS_part"]) if "_HLS_part" in q else None
                    except ValueError:
                        return self.error(400, "bad directive")
                    if msn < 0 or (part is not None and part < 0):
                        return self.error(400, "bad directive")
                    rel = server.released(tr)
                    last = rel[-1].msn if rel else 0
                    if msn > last + 2:
                        return self.error(400, "msn too far ahead")
                    deadline = time.monotonic() + (server.hold or 3 * tr.target_duration)
                    while not server.satisfied(tr, msn, part):
                        if time.monotonic() > deadline:
                            return self.error(503, "timed out")
                        time.sleep(0.005)
                text, _ = server.render(tr)
                cache = "public, max-age=1" if "#EXT-X-ENDLIST" in text or not blocking else "public, max-age=60"
                self.send(200, text.encode(), "application/vnd.apple.mpegurl", cache)

        return H
