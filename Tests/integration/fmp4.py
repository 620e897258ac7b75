"""Minimal ISO-BMFF reader for checking CMAF init segments, parts and segments.

It reads only what the HLS checks need (track timescale and handler, fragment
decode times, sample durations, sizes, flags and composition offsets) and raises
Fmp4Error on anything structurally wrong, so a malformed fragment is reported
instead of silently skipped.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SAMPLE_IS_NON_SYNC = 0x00010000


class Fmp4Error(Exception):
    pass


@dataclass
class Box:
    type: str
    start: int
    header: int
    size: int

    @property
    def payload_start(self) -> int:
        return self.start + self.header

    @property
    def end(self) -> int:
        return self.start + self.size


def iter_boxes(data: bytes, start: int = 0, end: int | None = None):
    """Yields the boxes between start and end; the sizes must tile the range exactly."""
    end = len(data) if end is None else end
    pos = start
    while pos < end:
        if end - pos < 8:
            raise Fmp4Error(f"{end - pos} trailing bytes at offset {pos}, too short for a box header")
        size, raw_type = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise Fmp4Error(f"truncated largesize box at offset {pos}")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise Fmp4Error(f"box {raw_type!r} at offset {pos} has size {size}, only {end - pos} bytes left")
        yield Box(raw_type.decode("latin-1"), pos, header, size)
        pos += size


def find_box(data: bytes, path: list[str], start: int = 0, end: int | None = None) -> Box | None:
    """Finds the first box along a path of container types, e.g. ["moov", "trak", "mdia"]."""
    for box in iter_boxes(data, start, end):
        if box.type == path[0]:
            if len(path) == 1:
                return box
            inner_start = box.payload_start
            if box.type == "meta":
                inner_start += 4
            return find_box(data, path[1:], inner_start, box.end)
    return None


def find_all(data: bytes, box_type: str, start: int, end: int) -> list[Box]:
    return [b for b in iter_boxes(data, start, end) if b.type == box_type]


def _full_box(data: bytes, box: Box) -> tuple[int, int, int]:
    """Returns (version, flags, offset of the body after the full-box header)."""
    if box.size < box.header + 4:
        raise Fmp4Error(f"{box.type} too short for a full box header")
    vf = struct.unpack_from(">I", data, box.payload_start)[0]
    return vf >> 24, vf & 0xFFFFFF, box.payload_start + 4


def _need(box: Box, pos: int, n: int) -> None:
    if pos + n > box.end:
        raise Fmp4Error(f"{box.type} truncated: needs {pos + n - box.start} bytes, has {box.size}")


@dataclass
class TrackDefaults:
    duration: int = 0
    size: int = 0
    flags: int = 0


@dataclass
class InitInfo:
    track_id: int
    timescale: int
    handler: str
    sample_entry: str
    width: int = 0
    height: int = 0
    defaults: TrackDefaults = field(default_factory=TrackDefaults)

    @property
    def kind(self) -> str:
        return {"vide": "video", "soun": "audio"}.get(self.handler, self.handler)


def parse_init(data: bytes) -> InitInfo:
    """Parses an init segment (ftyp + moov with one trak and mvex)."""
    boxes = list(iter_boxes(data))
    types = [b.type for b in boxes]
    if "moov" not in types:
        raise Fmp4Error(f"init segment has no moov (top-level boxes: {types})")
    if "moof" in types or "mdat" in types:
        raise Fmp4Error(f"init segment contains media boxes: {types}")
    moov = boxes[types.index("moov")]
    traks = find_all(data, "trak", moov.payload_start, moov.end)
    if len(traks) != 1:
        raise Fmp4Error(f"init segment has {len(traks)} tracks, CMAF wants exactly one")
    trak = traks[0]
    tkhd = find_box(data, ["tkhd"], trak.payload_start, trak.end)
    mdhd = find_box(data, ["mdia", "mdhd"], trak.payload_start, trak.end)
    hdlr = find_box(data, ["mdia", "hdlr"], trak.payload_start, trak.end)
    stsd = find_box(data, ["mdia", "minf", "stbl", "stsd"], trak.payload_start, trak.end)
    if not (tkhd and mdhd and hdlr and stsd):
        raise Fmp4Error("init segment lacks tkhd, mdhd, hdlr or stsd")
    version, _, pos = _full_box(data, tkhd)
    _need(tkhd, pos, 20 if version == 0 else 32)
    track_id = struct.unpack_from(">I", data, pos + (8 if version == 0 else 16))[0]
    width = height = 0
    wh_pos = tkhd.end - 8
    if wh_pos >= pos:
        width, height = (v >> 16 for v in struct.unpack_from(">II", data, wh_pos))
    version, _, pos = _full_box(data, mdhd)
    _need(mdhd, pos, 12 if version == 0 else 20)
    timescale = struct.unpack_from(">I", data, pos + (8 if version == 0 else 16))[0]
    if timescale == 0:
        raise Fmp4Error("mdhd timescale is 0")
    _, _, pos = _full_box(data, hdlr)
    _need(hdlr, pos, 8)
    handler = data[pos + 4:pos + 8].decode("latin-1")
    _, _, pos = _full_box(data, stsd)
    _need(stsd, pos, 4)
    entries = list(iter_boxes(data, pos + 4, stsd.end))
    if not entries:
        raise Fmp4Error("stsd has no sample entry")
    defaults = TrackDefaults()
    mvex = find_box(data, ["mvex"], moov.payload_start, moov.end)
    if mvex is None:
        raise Fmp4Error("init segment has no mvex (not a fragmented MP4)")
    for trex in find_all(data, "trex", mvex.payload_start, mvex.end):
        _, _, pos = _full_box(data, trex)
        _need(trex, pos, 20)
        tid, _, dur, size, flags = struct.unpack_from(">IIIII", data, pos)
        if tid == track_id:
            defaults = TrackDefaults(dur, size, flags)
    return InitInfo(track_id, timescale, handler, entries[0].type, width, height, defaults)


@dataclass
class Sample:
    duration: int
    size: int
    flags: int
    cts: int

    @property
    def sync(self) -> bool:
        return not (self.flags & SAMPLE_IS_NON_SYNC)


@dataclass
class Fragment:
    """One moof + mdat pair."""

    offset: int
    sequence: int
    track_id: int
    base_decode_time: int
    tfdt_version: int
    trun_versions: list[int]
    samples: list[Sample]

    @property
    def duration(self) -> int:
        return sum(s.duration for s in self.samples)


def parse_fragments(data: bytes, init: InitInfo) -> list[Fragment]:
    """Parses a run of moof+mdat pairs (a part or a segment); styp/sidx/prft/emsg are tolerated."""
    boxes = list(iter_boxes(data))
    if not boxes:
        raise Fmp4Error("empty media body")
    fragments: list[Fragment] = []
    i = 0
    allowed_extra = {"styp", "sidx", "prft", "emsg", "free", "skip"}
    while i < len(boxes):
        box = boxes[i]
        if box.type in allowed_extra:
            i += 1
            continue
        if box.type != "moof":
            raise Fmp4Error(f"unexpected top-level box {box.type!r} at offset {box.start}")
        if i + 1 >= len(boxes) or boxes[i + 1].type != "mdat":
            raise Fmp4Error(f"moof at offset {box.start} is not followed by an mdat")
        fragments.append(_parse_moof(data, box, boxes[i + 1], init))
        i += 2
    if not fragments:
        raise Fmp4Error("no moof/mdat in media body")
    return fragments


def _parse_moof(data: bytes, moof: Box, mdat: Box, init: InitInfo) -> Fragment:
    mfhd = find_box(data, ["mfhd"], moof.payload_start, moof.end)
    if mfhd is None:
        raise Fmp4Error("moof without mfhd")
    _, _, pos = _full_box(data, mfhd)
    _need(mfhd, pos, 4)
    sequence = struct.unpack_from(">I", data, pos)[0]
    trafs = find_all(data, "traf", moof.payload_start, moof.end)
    if len(trafs) != 1:
        raise Fmp4Error(f"moof has {len(trafs)} traf boxes, CMAF wants exactly one")
    traf = trafs[0]
    tfhd = find_box(data, ["tfhd"], traf.payload_start, traf.end)
    tfdt = find_box(data, ["tfdt"], traf.payload_start, traf.end)
    if tfhd is None:
        raise Fmp4Error("traf without tfhd")
    if tfdt is None:
        raise Fmp4Error("traf without tfdt")
    _, flags, pos = _full_box(data, tfhd)
    _need(tfhd, pos, 4)
    track_id = struct.unpack_from(">I", data, pos)[0]
    pos += 4
    d = TrackDefaults(init.defaults.duration, init.defaults.size, init.defaults.flags)
    base_offset = moof.start
    if flags & 0x1:
        _need(tfhd, pos, 8)
        base_offset = struct.unpack_from(">Q", data, pos)[0]
        pos += 8
    if flags & 0x2:
        pos += 4
    if flags & 0x8:
        _need(tfhd, pos, 4)
        d.duration = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x10:
        _need(tfhd, pos, 4)
        d.size = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    if flags & 0x20:
        _need(tfhd, pos, 4)
        d.flags = struct.unpack_from(">I", data, pos)[0]
        pos += 4
    version, _, pos = _full_box(data, tfdt)
    _need(tfdt, pos, 8 if version == 1 else 4)
    bdt = struct.unpack_from(">Q" if version == 1 else ">I", data, pos)[0]
    samples: list[Sample] = []
    trun_versions: list[int] = []
    for trun in find_all(data, "trun", traf.payload_start, traf.end):
        version, tflags, pos = _full_box(data, trun)
        trun_versions.append(version)
        _need(trun, pos, 4)
        count = struct.unpack_from(">I", data, pos)[0]
        pos += 4
        data_offset = None
        first_flags = None
        if tflags & 0x1:
            _need(trun, pos, 4)
            data_offset = struct.unpack_from(">i", data, pos)[0]
            pos += 4
        if tflags & 0x4:
            _need(trun, pos, 4)
            first_flags = struct.unpack_from(">I", data, pos)[0]
            pos += 4
        per = sum(4 for bit in (0x100, 0x200, 0x400, 0x800) if tflags & bit)
        _need(trun, pos, per * count)
        run: list[Sample] = []
        for n in range(count):
            dur, size, sflags, cts = d.duration, d.size, d.flags, 0
            if tflags & 0x100:
                dur = struct.unpack_from(">I", data, pos)[0]
                pos += 4
            if tflags & 0x200:
                size = struct.unpack_from(">I", data, pos)[0]
                pos += 4
            if tflags & 0x400:
                sflags = struct.unpack_from(">I", data, pos)[0]
                pos += 4
            elif n == 0 and first_flags is not None:
                sflags = first_flags
            if tflags & 0x800:
                cts = struct.unpack_from(">i" if version == 1 else ">I", data, pos)[0]
                pos += 4
            run.append(Sample(dur, size, sflags, cts))
        if data_offset is not None:
            start = base_offset + data_offset
            total = sum(s.size for s in run)
            if start < mdat.payload_start or start + total > mdat.end:
                raise Fmp4Error(
                    f"trun data [{start}, {start + total}) lies outside the mdat payload "
                    f"[{mdat.payload_start}, {mdat.end})")
        samples.extend(run)
    if not samples:
        raise Fmp4Error("fragment has no samples")
    total = sum(s.size for s in samples)
    if total > mdat.size - mdat.header:
        raise Fmp4Error(f"samples need {total} bytes, mdat holds {mdat.size - mdat.header}")
    return Fragment(moof.start, sequence, track_id, bdt, version, trun_versions, samples)
