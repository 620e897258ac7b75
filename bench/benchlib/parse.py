"""Just enough parsing of playlists, CMAF fragments and MPEG-TS to know which frames a file holds."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

# ---------------------------------------------------------------- playlists


@dataclass
class PlaylistPart:
    msn: int
    index: int
    uri: str
    duration: float
    independent: bool


@dataclass
class Playlist:
    media_sequence: int = 0
    target_duration: float = 0.0
    part_target: float = 0.0
    segments: list[tuple[int, str, float]] = field(default_factory=list)  # (msn, uri, duration)
    parts: list[PlaylistPart] = field(default_factory=list)
    hint: tuple[int, int] | None = None  # (msn, part) of the preload hint
    hint_uri: str = ""
    map_uri: str = ""
    ended: bool = False


_ATTR = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_PART_URI = re.compile(r"/(\d+)\.(\d+)\.m4s$")


def _attrs(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in _ATTR.findall(line.split(":", 1)[1])}


def parse_playlist(text: str) -> Playlist:
    pl = Playlist()
    msn = None
    dur = 0.0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            pl.media_sequence = int(line.split(":", 1)[1])
            msn = pl.media_sequence
        elif line.startswith("#EXT-X-TARGETDURATION:"):
            pl.target_duration = float(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-PART-INF:"):
            pl.part_target = float(_attrs(line).get("PART-TARGET", "0"))
        elif line.startswith("#EXT-X-MAP:"):
            pl.map_uri = _attrs(line).get("URI", "")
        elif line.startswith("#EXTINF:"):
            dur = float(line.split(":", 1)[1].split(",")[0])
        elif line.startswith("#EXT-X-PART:"):
            a = _attrs(line)
            uri = a.get("URI", "")
            m = _PART_URI.search(uri)
            if m:
                p = PlaylistPart(int(m.group(1)), int(m.group(2)), uri, float(a.get("DURATION", "0")),
                                 a.get("INDEPENDENT") == "YES")
                pl.parts.append(p)
        elif line.startswith("#EXT-X-PRELOAD-HINT:"):
            a = _attrs(line)
            pl.hint_uri = a.get("URI", "")
            m = _PART_URI.search(pl.hint_uri)
            if m:
                pl.hint = (int(m.group(1)), int(m.group(2)))
        elif line.startswith("#EXT-X-ENDLIST"):
            pl.ended = True
        elif not line.startswith("#"):
            if msn is None:
                msn = 0
            pl.segments.append((msn, line, dur))
            msn += 1
    return pl


def next_part(pl: Playlist) -> tuple[int, int] | None:
    """The (msn, part) a client at the live edge asks for next."""
    if pl.hint is not None:
        return pl.hint
    if pl.parts:
        last = pl.parts[-1]
        return last.msn, last.index + 1
    return None


# ---------------------------------------------------------------- ISO-BMFF


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr or pos + size > end:
            return
        yield kind.decode("latin-1"), pos + hdr, pos + size
        pos += size


def init_timescale(init: bytes) -> int:
    """The media timescale (mdhd) of a single-track init segment."""
    for kind, s, e in _boxes(init):
        if kind == "moov":
            for k2, s2, e2 in _boxes(init, s, e):
                if k2 == "trak":
                    for k3, s3, e3 in _boxes(init, s2, e2):
                        if k3 == "mdia":
                            for k4, s4, e4 in _boxes(init, s3, e3):
                                if k4 == "mdhd":
                                    version = init[s4]
                                    off = s4 + 4 + (16 if version == 1 else 8)
                                    return struct.unpack(">I", init[off:off + 4])[0]
    raise ValueError("no mdhd in init segment")


@dataclass
class Fragment:
    decode_times: list[int]  # decode time of each sample, in timescale ticks
    end: int                 # decode time just after the last sample
    keyframe_first: bool


def fragment_samples(data: bytes) -> Fragment:
    """Decode times of every sample in a CMAF part or segment (one or more moof+mdat)."""
    times: list[int] = []
    end = 0
    first_key = False
    for kind, s, e in _boxes(data):
        if kind != "moof":
            continue
        for k2, s2, e2 in _boxes(data, s, e):
            if k2 != "traf":
                continue
            default_dur = 0
            default_flags = 0
            base = 0
            for k3, s3, e3 in _boxes(data, s2, e2):
                flags = int.from_bytes(data[s3 + 1:s3 + 4], "big")
                if k3 == "tfhd":
                    p = s3 + 8
                    if flags & 0x1:
                        p += 8
                    if flags & 0x2:
                        p += 4
                    if flags & 0x8:
                        default_dur = struct.unpack(">I", data[p:p + 4])[0]
                        p += 4
                    if flags & 0x10:
                        p += 4
                    if flags & 0x20:
                        default_flags = struct.unpack(">I", data[p:p + 4])[0]
                elif k3 == "tfdt":
                    if data[s3] == 1:
                        base = struct.unpack(">Q", data[s3 + 4:s3 + 12])[0]
                    else:
                        base = struct.unpack(">I", data[s3 + 4:s3 + 8])[0]
                elif k3 == "trun":
                    count = struct.unpack(">I", data[s3 + 4:s3 + 8])[0]
                    p = s3 + 8
                    if flags & 0x1:
                        p += 4
                    first_flags = None
                    if flags & 0x4:
                        first_flags = struct.unpack(">I", data[p:p + 4])[0]
                        p += 4
                    t = base
                    for i in range(count):
                        d = default_dur
                        sflags = default_flags
                        if flags & 0x100:
                            d = struct.unpack(">I", data[p:p + 4])[0]
                            p += 4
                        if flags & 0x200:
                            p += 4
                        if flags & 0x400:
                            sflags = struct.unpack(">I", data[p:p + 4])[0]
                            p += 4
                        if flags & 0x800:
                            p += 4
                        if i == 0:
                            if first_flags is not None:
                                sflags = first_flags
                            if not times:
                                first_key = not (sflags >> 16) & 0x1  # sample_is_non_sync_sample
                        times.append(t)
                        t += d
                    base = t
                    end = t
    return Fragment(times, end, first_key)


# ---------------------------------------------------------------- MPEG-TS (nginx-rtmp's fragments)


def ts_video_decode_times(data: bytes) -> list[int]:
    """90 kHz decode times of the video PES packets (stream id 0xE0..0xEF) in a TS file."""
    out = []
    for pos in range(0, len(data) - 187, 188):
        if data[pos] != 0x47 or not data[pos + 1] & 0x40:  # sync byte, payload_unit_start
            continue
        afc = (data[pos + 3] >> 4) & 0x3
        p = pos + 4
        if afc & 0x2:
            p += 1 + data[p]
        if not afc & 0x1 or p + 19 > pos + 188:
            continue
        if data[p:p + 3] != b"\x00\x00\x01" or not 0xE0 <= data[p + 3] <= 0xEF:
            continue
        flags = data[p + 7] >> 6
        if flags == 0:
            continue
        ts_at = p + 14 if flags == 3 else p + 9  # DTS follows PTS when both are present
        b = data[ts_at:ts_at + 5]
        v = ((b[0] >> 1) & 0x7) << 30 | b[1] << 22 | (b[2] >> 1) << 15 | b[3] << 7 | b[4] >> 1
        out.append(v)
    return out

