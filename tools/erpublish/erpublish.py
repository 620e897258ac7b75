#!/usr/bin/env python3
"""erpublish: publish an MP4 over Enhanced RTMP (H.265, AV1 or H.264 video; AAC audio).

Written from the Enhanced RTMP specification (veovera enhanced-rtmp v1 and v2) and
the legacy RTMP 1.0 / FLV 10.1 specifications, so that a server can be tested
against an independent implementation instead of against its own parser.
Python 3.11 standard library only.

Usage:
    erpublish.py [options] INPUT.mp4 rtmp://HOST[:PORT]/APP/KEY

INPUT is an MP4, plain or fragmented, with one video track (sample entry hvc1,
hev1, av01 or avc1) and optionally one AAC track (mp4a), for example:

    ffmpeg -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i sine -t 3 \\
        -c:v libx265 -tag:v hvc1 -x265-params keyint=30 -c:a aac out.mp4
    ffmpeg -f lavfi -i testsrc2=size=320x240:rate=30 -t 3 -c:v libsvtav1 -g 30 av1.mp4

What goes on the wire:
  - the plain RTMP handshake; connect (with fourCcList and videoFourCcInfoMap),
    releaseStream, FCPublish, createStream, publish;
  - @setDataFrame onMetaData, videocodecid being the FourCC as a number;
  - video as ExVideoTagHeader tags: a Metadata packet with colorInfo, then
    SequenceStart with the hvcC/av1C/avcC record, then CodedFrames (SI24
    composition time, H.265/H.264) or CodedFramesX (when the composition time is
    zero), CodedFrames for AV1 (no composition time), SequenceEnd at the end;
  - audio as legacy AAC tags (SoundFormat 10): sequence header, then raw frames;
  - FCUnpublish and deleteStream.
Samples are sent at their decode times in real time, as a live encoder would.

Options:
  --fast              send as fast as possible instead of in real time
  --no-codedframesx   always send CodedFrames, even with a zero composition time
  --no-metadata-frame do not send the VideoPacketType.Metadata colorInfo packet
  --no-audio          send the video track only
  --chunk-size N      outgoing RTMP chunk size (default 4096)
  --timeout S         network timeout in seconds (default 10)
  -v, --verbose       print protocol progress on stderr

Exit status: 0 when the server accepted the publish and every sample was sent
without an error status; 1 on a refusal, an error status or a network failure;
2 for a bad input file or bad arguments.
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# ---------------------------------------------------------------------- AMF0


class AMFObject(dict):
    """An AMF0 anonymous object (marker 0x03), as opposed to an ECMA array."""


class ECMAArray(dict):
    """An AMF0 ECMA array (marker 0x08)."""


class Undefined:
    pass


def amf0_encode(value) -> bytes:
    if value is None:
        return b"\x05"
    if isinstance(value, Undefined):
        return b"\x06"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        data = value.encode()
        if len(data) > 0xFFFF:
            return b"\x0c" + struct.pack(">I", len(data)) + data
        return b"\x02" + struct.pack(">H", len(data)) + data
    if isinstance(value, list):
        return b"\x0a" + struct.pack(">I", len(value)) + b"".join(amf0_encode(v) for v in value)
    if isinstance(value, dict):
        if isinstance(value, ECMAArray):
            out = b"\x08" + struct.pack(">I", len(value))
        else:
            out = b"\x03"
        for key, item in value.items():
            name = key.encode()
            out += struct.pack(">H", len(name)) + name + amf0_encode(item)
        return out + b"\x00\x00\x09"
    raise TypeError(f"cannot AMF0-encode {type(value).__name__}")


class AMFError(Exception):
    pass


def amf0_decode_all(data: bytes) -> list:
    values, pos = [], 0
    while pos < len(data):
        value, pos = _amf0_value(data, pos)
        values.append(value)
    return values


def _need(data: bytes, pos: int, n: int) -> None:
    if pos + n > len(data):
        raise AMFError("truncated AMF0")


def _amf0_properties(data: bytes, pos: int, target: dict) -> int:
    while True:
        _need(data, pos, 3)
        (length,) = struct.unpack_from(">H", data, pos)
        if length == 0 and data[pos + 2] == 0x09:
            return pos + 3
        pos += 2
        _need(data, pos, length)
        key = data[pos:pos + length].decode(errors="replace")
        pos += length
        target[key], pos = _amf0_value(data, pos)


def _amf0_value(data: bytes, pos: int):
    _need(data, pos, 1)
    marker = data[pos]
    pos += 1
    if marker == 0x00:
        _need(data, pos, 8)
        return struct.unpack_from(">d", data, pos)[0], pos + 8
    if marker == 0x01:
        _need(data, pos, 1)
        return data[pos] != 0, pos + 1
    if marker in (0x02, 0x0C):
        size = 2 if marker == 0x02 else 4
        _need(data, pos, size)
        length = int.from_bytes(data[pos:pos + size], "big")
        pos += size
        _need(data, pos, length)
        return data[pos:pos + length].decode(errors="replace"), pos + length
    if marker == 0x03:
        obj = AMFObject()
        return obj, _amf0_properties(data, pos, obj)
    if marker == 0x08:
        _need(data, pos, 4)
        arr = ECMAArray()
        return arr, _amf0_properties(data, pos + 4, arr)
    if marker == 0x0A:
        _need(data, pos, 4)
        (count,) = struct.unpack_from(">I", data, pos)
        pos += 4
        items = []
        for _ in range(count):
            item, pos = _amf0_value(data, pos)
            items.append(item)
        return items, pos
    if marker == 0x05:
        return None, pos
    if marker == 0x06:
        return Undefined(), pos
    if marker == 0x0B:
        _need(data, pos, 10)
        return struct.unpack_from(">d", data, pos)[0], pos + 10
    raise AMFError(f"unsupported AMF0 marker 0x{marker:02x}")


# ---------------------------------------------------------------------- MP4 input


class InputError(Exception):
    pass


@dataclass
class Sample:
    dts: int  # track timescale
    cts: int  # composition offset, track timescale
    sync: bool
    data: bytes


@dataclass
class Track:
    track_id: int
    handler: str = ""
    timescale: int = 0
    entry: str = ""  # sample entry type: hvc1, hev1, av01, avc1, mp4a
    config: bytes = b""  # hvcC / av1C / avcC record, or the AudioSpecificConfig
    width: int = 0
    height: int = 0
    sample_rate: int = 0
    channels: int = 0
    media_time: int = 0  # first edit's media_time: the decode time shown at presentation 0
    samples: list[Sample] = field(default_factory=list)
    # Sample table (non-fragmented files).
    stts: list[tuple[int, int]] = field(default_factory=list)
    ctts: list[tuple[int, int]] = field(default_factory=list)
    stss: set[int] | None = None
    sizes: list[int] = field(default_factory=list)
    stsc: list[tuple[int, int]] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    # Fragment defaults (trex).
    default_duration: int = 0
    default_size: int = 0
    default_flags: int = 0
    next_dts: int = 0


CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"mvex", b"moof", b"traf", b"dinf"}


def iter_boxes(data: bytes, start: int, end: int):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise InputError("truncated box header")
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise InputError(f"box {kind!r} at {pos} overruns its parent")
        yield kind, pos + header, pos + size
        pos += size


def full_box(data: bytes, start: int) -> tuple[int, int, int]:
    version = data[start]
    flags = int.from_bytes(data[start + 1:start + 4], "big")
    return version, flags, start + 4


def parse_descriptor_length(data: bytes, pos: int) -> tuple[int, int]:
    length = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        length = length << 7 | (byte & 0x7F)
        if not byte & 0x80:
            break
    return length, pos


def parse_esds(data: bytes, start: int, end: int) -> bytes:
    """The DecoderSpecificInfo (AudioSpecificConfig) inside an esds box."""
    _, _, pos = full_box(data, start)
    while pos < end:
        tag = data[pos]
        length, body = parse_descriptor_length(data, pos + 1)
        if tag == 0x03:  # ES_Descriptor: ES_ID, flags, optional fields, then children
            flags = data[body + 2]
            inner = body + 3
            if flags & 0x80:
                inner += 2
            if flags & 0x40:
                inner += 1 + data[inner]
            if flags & 0x20:
                inner += 2
            pos = inner
            continue
        if tag == 0x04:  # DecoderConfigDescriptor: 13 fixed bytes, then children
            pos = body + 13
            continue
        if tag == 0x05:
            return data[body:body + length]
        pos = body + length
    raise InputError("esds has no DecoderSpecificInfo")


def parse_stsd(data: bytes, start: int, end: int, track: Track) -> None:
    _, _, pos = full_box(data, start)
    (count,) = struct.unpack_from(">I", data, pos)
    if count < 1:
        raise InputError("empty stsd")
    for kind, body, box_end in iter_boxes(data, pos + 4, end):
        track.entry = kind.decode(errors="replace")
        if kind in (b"hvc1", b"hev1", b"av01", b"avc1", b"avc3"):
            track.width, track.height = struct.unpack_from(">HH", data, body + 24)
            children = body + 78
            for child, cbody, cend in iter_boxes(data, children, box_end):
                if child in (b"hvcC", b"av1C", b"avcC"):
                    track.config = data[cbody:cend]
        elif kind == b"mp4a":
            track.channels, _, _, _, rate = struct.unpack_from(">HHHHI", data, body + 16)
            track.sample_rate = rate >> 16
            for child, cbody, cend in iter_boxes(data, body + 28, box_end):
                if child == b"esds":
                    track.config = parse_esds(data, cbody, cend)
        return  # the first entry describes the track


def parse_trak(data: bytes, start: int, end: int) -> Track:
    track = Track(track_id=0)

    def walk(s: int, e: int) -> None:
        for kind, body, box_end in iter_boxes(data, s, e):
            if kind in CONTAINERS:
                walk(body, box_end)
            elif kind == b"tkhd":
                version, _, pos = full_box(data, body)
                pos += 16 if version == 1 else 8
                (track.track_id,) = struct.unpack_from(">I", data, pos)
            elif kind == b"mdhd":
                version, _, pos = full_box(data, body)
                pos += 16 if version == 1 else 8
                (track.timescale,) = struct.unpack_from(">I", data, pos)
            elif kind == b"hdlr":
                _, _, pos = full_box(data, body)
                track.handler = data[pos + 4:pos + 8].decode(errors="replace")
            elif kind == b"elst":
                version, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                pos += 4
                for _ in range(count):
                    if version == 1:
                        _, media_time = struct.unpack_from(">Qq", data, pos)
                        pos += 16
                    else:
                        _, media_time = struct.unpack_from(">Ii", data, pos)
                        pos += 8
                    pos += 4
                    if media_time >= 0:  # skip empty edits
                        track.media_time = media_time
                        break
            elif kind == b"stsd":
                parse_stsd(data, body, box_end, track)
            elif kind == b"stts":
                _, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                track.stts = [struct.unpack_from(">II", data, pos + 4 + 8 * i) for i in range(count)]
            elif kind == b"ctts":
                _, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                # Signed in version 1; version 0 offsets above 2^31 only occur as negatives
                # written by muxers that ignore the version, so both are read signed.
                track.ctts = [struct.unpack_from(">Ii", data, pos + 4 + 8 * i) for i in range(count)]
            elif kind == b"stss":
                _, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                track.stss = set(struct.unpack_from(f">{count}I", data, pos + 4))
            elif kind == b"stsz":
                _, _, pos = full_box(data, body)
                size, count = struct.unpack_from(">II", data, pos)
                track.sizes = [size] * count if size else list(struct.unpack_from(f">{count}I", data, pos + 8))
            elif kind == b"stsc":
                _, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                track.stsc = [struct.unpack_from(">II", data, pos + 4 + 12 * i) for i in range(count)]
            elif kind in (b"stco", b"co64"):
                _, _, pos = full_box(data, body)
                (count,) = struct.unpack_from(">I", data, pos)
                fmt = f">{count}Q" if kind == b"co64" else f">{count}I"
                track.offsets = list(struct.unpack_from(fmt, data, pos + 4))

    walk(start, end)
    return track


def table_samples(data: bytes, track: Track) -> None:
    """Expands the sample table of a non-fragmented track."""
    durations = [d for count, d in track.stts for _ in range(count)]
    offsets = [o for count, o in track.ctts for _ in range(count)]
    chunk_counts: list[int] = []
    for index, (first, per_chunk) in enumerate(track.stsc):
        last = track.stsc[index + 1][0] if index + 1 < len(track.stsc) else len(track.offsets) + 1
        chunk_counts += [per_chunk] * (last - first)
    number = 0
    dts = 0
    for chunk, count in enumerate(chunk_counts):
        pos = track.offsets[chunk]
        for _ in range(count):
            if number >= len(track.sizes):
                break
            size = track.sizes[number]
            if pos + size > len(data):
                raise InputError("sample data beyond the end of the file")
            sync = track.stss is None or (number + 1) in track.stss
            cts = offsets[number] if number < len(offsets) else 0
            track.samples.append(Sample(dts, cts, sync, data[pos:pos + size]))
            dts += durations[number] if number < len(durations) else 0
            pos += size
            number += 1


def parse_moof(data: bytes, moof_start: int, start: int, end: int, tracks: dict[int, Track]) -> None:
    for kind, body, box_end in iter_boxes(data, start, end):
        if kind != b"traf":
            continue
        track = None
        base = moof_start
        duration = size = flags = 0
        for child, cbody, cend in iter_boxes(data, body, box_end):
            if child == b"tfhd":
                _, tf_flags, pos = full_box(data, cbody)
                (track_id,) = struct.unpack_from(">I", data, pos)
                pos += 4
                track = tracks.get(track_id)
                if track is None:
                    break
                duration, size, flags = track.default_duration, track.default_size, track.default_flags
                if tf_flags & 0x01:
                    (base,) = struct.unpack_from(">Q", data, pos)
                    pos += 8
                if tf_flags & 0x02:
                    pos += 4
                if tf_flags & 0x08:
                    (duration,) = struct.unpack_from(">I", data, pos)
                    pos += 4
                if tf_flags & 0x10:
                    (size,) = struct.unpack_from(">I", data, pos)
                    pos += 4
                if tf_flags & 0x20:
                    (flags,) = struct.unpack_from(">I", data, pos)
            elif child == b"tfdt" and track is not None:
                version, _, pos = full_box(data, cbody)
                track.next_dts = struct.unpack_from(">Q" if version == 1 else ">I", data, pos)[0]
            elif child == b"trun" and track is not None:
                _, tr_flags, pos = full_box(data, cbody)
                (count,) = struct.unpack_from(">I", data, pos)
                pos += 4
                offset = base
                if tr_flags & 0x01:
                    offset = base + struct.unpack_from(">i", data, pos)[0]
                    pos += 4
                first_flags = None
                if tr_flags & 0x04:
                    (first_flags,) = struct.unpack_from(">I", data, pos)
                    pos += 4
                for index in range(count):
                    s_duration, s_size, s_flags, s_cts = duration, size, flags, 0
                    if tr_flags & 0x100:
                        (s_duration,) = struct.unpack_from(">I", data, pos)
                        pos += 4
                    if tr_flags & 0x200:
                        (s_size,) = struct.unpack_from(">I", data, pos)
                        pos += 4
                    if tr_flags & 0x400:
                        (s_flags,) = struct.unpack_from(">I", data, pos)
                        pos += 4
                    if tr_flags & 0x800:
                        s_cts = struct.unpack_from(">i", data, pos)[0]  # signed, as for ctts
                        pos += 4
                    if index == 0 and first_flags is not None:
                        s_flags = first_flags
                    if offset + s_size > len(data):
                        raise InputError("fragment sample data beyond the end of the file")
                    sync = not (s_flags & 0x00010000)
                    track.samples.append(Sample(track.next_dts, s_cts, sync, data[offset:offset + s_size]))
                    track.next_dts += s_duration
                    offset += s_size
                base = offset  # a following trun without a data offset continues here


def read_mp4(path: str) -> tuple[Track, Track | None]:
    with open(path, "rb") as f:
        data = f.read()
    tracks: dict[int, Track] = {}
    for kind, body, end in iter_boxes(data, 0, len(data)):
        if kind == b"moov":
            for child, cbody, cend in iter_boxes(data, body, end):
                if child == b"trak":
                    track = parse_trak(data, cbody, cend)
                    tracks[track.track_id] = track
                elif child == b"mvex":
                    for ext, ebody, _ in iter_boxes(data, cbody, cend):
                        if ext == b"trex":
                            _, _, pos = full_box(data, ebody)
                            track_id, _, duration, size, flags = struct.unpack_from(">IIIII", data, pos)
                            if track_id in tracks:
                                tracks[track_id].default_duration = duration
                                tracks[track_id].default_size = size
                                tracks[track_id].default_flags = flags
        elif kind == b"moof":
            parse_moof(data, body - 8, body, end, tracks)
    for track in tracks.values():
        if track.sizes and not track.samples:
            table_samples(data, track)
    video = next((t for t in tracks.values() if t.handler == "vide"), None)
    audio = next((t for t in tracks.values() if t.handler == "soun" and t.entry == "mp4a"), None)
    if video is None:
        raise InputError("no video track")
    if video.entry not in ("hvc1", "hev1", "av01", "avc1", "avc3"):
        raise InputError(f"video sample entry {video.entry} is not hvc1, hev1, av01 or avc1")
    if not video.config:
        raise InputError(f"the {video.entry} sample entry has no configuration record")
    if not video.samples:
        raise InputError("the video track has no samples")
    if audio is not None and (not audio.config or not audio.samples):
        audio = None
    return video, audio


# ---------------------------------------------------------------------- FLV tags (Enhanced RTMP)

FOURCC = {"hvc1": b"hvc1", "hev1": b"hvc1", "av01": b"av01", "avc1": b"avc1", "avc3": b"avc1"}

# VideoPacketType
SEQUENCE_START, CODED_FRAMES, SEQUENCE_END, CODED_FRAMES_X, METADATA = 0, 1, 2, 3, 4
# VideoFrameType
KEY_FRAME, INTER_FRAME = 1, 2


def ex_video_header(frame_type: int, packet_type: int, fourcc: bytes) -> bytes:
    # isExVideoHeader UB[1] = 1, VideoFrameType UB[3], VideoPacketType UB[4], FOURCC.
    return bytes([0x80 | frame_type << 4 | packet_type]) + fourcc


def si24(value: int) -> bytes:
    if not -0x800000 <= value <= 0x7FFFFF:
        raise InputError(f"composition time {value} ms does not fit SI24")
    return (value & 0xFFFFFF).to_bytes(3, "big")


def video_sequence_start(fourcc: bytes, record: bytes) -> bytes:
    return ex_video_header(KEY_FRAME, SEQUENCE_START, fourcc) + record


def video_coded_frame(fourcc: bytes, key: bool, cts_ms: int, data: bytes, allow_x: bool) -> bytes:
    frame_type = KEY_FRAME if key else INTER_FRAME
    if fourcc == b"av01":
        # AV1 coded data carries no composition time; CodedFramesX is defined for AVC/HEVC only.
        return ex_video_header(frame_type, CODED_FRAMES, fourcc) + data
    if cts_ms == 0 and allow_x:
        return ex_video_header(frame_type, CODED_FRAMES_X, fourcc) + data
    return ex_video_header(frame_type, CODED_FRAMES, fourcc) + si24(cts_ms) + data


def video_sequence_end(fourcc: bytes) -> bytes:
    return ex_video_header(KEY_FRAME, SEQUENCE_END, fourcc)


def video_metadata(fourcc: bytes) -> bytes:
    # The frame type is ignored for Metadata; the body is AMF: "colorInfo", Object.
    color = AMFObject(colorConfig=AMFObject(bitDepth=8, colorPrimaries=1, transferCharacteristics=1,
                                            matrixCoefficients=1))
    return ex_video_header(KEY_FRAME, METADATA, fourcc) + amf0_encode("colorInfo") + amf0_encode(color)


# Legacy AudioTagHeader for AAC: SoundFormat 10, SoundRate 3 (44 kHz), SoundSize 1, SoundType 1.
# The FLV specification fixes these for AAC; the AudioSpecificConfig carries the real values.


def audio_sequence_start(config: bytes) -> bytes:
    return bytes([0xAF, 0x00]) + config


def audio_frame(data: bytes) -> bytes:
    return bytes([0xAF, 0x01]) + data


# ---------------------------------------------------------------------- RTMP


class RTMPError(Exception):
    pass


MSG_SET_CHUNK_SIZE, MSG_ABORT, MSG_ACK, MSG_USER_CONTROL, MSG_WINDOW_ACK, MSG_PEER_BW = 1, 2, 3, 4, 5, 6
MSG_AUDIO, MSG_VIDEO, MSG_DATA_AMF0, MSG_COMMAND_AMF3, MSG_COMMAND_AMF0 = 8, 9, 18, 17, 20

CS_CONTROL, CS_COMMAND, CS_AUDIO, CS_DATA, CS_VIDEO = 2, 3, 4, 5, 6


@dataclass
class InboundChunkStream:
    timestamp: int = 0
    delta: int = 0
    length: int = 0
    type_id: int = 0
    stream_id: int = 0
    extended: bool = False
    buffer: bytearray = field(default_factory=bytearray)


class RTMPConnection:
    """The client side of one RTMP connection: handshake, chunking and a reader thread."""

    def __init__(self, host: str, port: int, timeout: float, chunk_size: int, verbose: bool):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.out_chunk_size = 128
        self.wanted_chunk_size = chunk_size
        self.in_chunk_size = 128
        self.verbose = verbose
        self.streams: dict[int, InboundChunkStream] = {}
        self.received = 0
        self.window = 0
        self.acked = 0
        self.lock = threading.Condition()
        self.messages: list[tuple[int, int, list]] = []  # (type, stream, AMF values) of commands
        self.closed = False
        self.reader: threading.Thread | None = None
        self.send_lock = threading.Lock()

    def log(self, text: str) -> None:
        if self.verbose:
            print(f"erpublish: {text}", file=sys.stderr)

    # -- raw socket

    def recv_exact(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise RTMPError("connection closed by the server")
            out += chunk
        self.received += len(out)
        return bytes(out)

    def send_raw(self, data: bytes) -> None:
        with self.send_lock:
            self.sock.sendall(data)

    # -- handshake (RTMP 1.0 section 5.2: C0 C1, S0 S1 S2, C2)

    def handshake(self) -> None:
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        self.send_raw(b"\x03" + c1)
        s0 = self.recv_exact(1)
        if s0[0] != 3:
            raise RTMPError(f"server answered RTMP version {s0[0]}")
        s1 = self.recv_exact(1536)
        s2 = self.recv_exact(1536)
        if s2[8:] != c1[8:]:
            self.log("S2 does not echo C1 (tolerated)")
        # C2 echoes S1: its time, our read time, its random bytes.
        self.send_raw(s1[:4] + struct.pack(">I", 0) + s1[8:])
        self.log("handshake done")

    # -- sending

    def send_message(self, csid: int, type_id: int, stream_id: int, timestamp: int, payload: bytes) -> None:
        """Sends one message: a type 0 chunk header, then type 3 continuation chunks."""
        timestamp &= 0xFFFFFFFF
        extended = timestamp >= 0xFFFFFF
        header = self._basic_header(0, csid)
        header += (0xFFFFFF if extended else timestamp).to_bytes(3, "big")
        header += len(payload).to_bytes(3, "big") + bytes([type_id]) + struct.pack("<I", stream_id)
        ext = struct.pack(">I", timestamp) if extended else b""
        out = bytearray(header + ext)
        size = self.out_chunk_size
        out += payload[:size]
        pos = size
        while pos < len(payload):
            out += self._basic_header(3, csid) + ext
            out += payload[pos:pos + size]
            pos += size
        self.send_raw(bytes(out))

    @staticmethod
    def _basic_header(fmt: int, csid: int) -> bytes:
        if csid < 64:
            return bytes([fmt << 6 | csid])
        if csid < 320:
            return bytes([fmt << 6, csid - 64])
        return bytes([fmt << 6 | 1]) + struct.pack("<H", csid - 64)

    def set_chunk_size(self) -> None:
        self.send_message(CS_CONTROL, MSG_SET_CHUNK_SIZE, 0, 0, struct.pack(">I", self.wanted_chunk_size))
        self.out_chunk_size = self.wanted_chunk_size

    def command(self, values: list, stream_id: int = 0, csid: int = CS_COMMAND) -> None:
        self.send_message(csid, MSG_COMMAND_AMF0, stream_id, 0, b"".join(amf0_encode(v) for v in values))

    # -- receiving (reader thread)

    def start_reader(self) -> None:
        self.sock.settimeout(None)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.reader.start()

    def _read_loop(self) -> None:
        try:
            while True:
                self._read_chunk()
        except (OSError, RTMPError, AMFError) as error:
            self.log(f"reader stopped: {error}")
        finally:
            with self.lock:
                self.closed = True
                self.lock.notify_all()

    def _read_chunk(self) -> None:
        first = self.recv_exact(1)[0]
        fmt, csid = first >> 6, first & 0x3F
        if csid == 0:
            csid = 64 + self.recv_exact(1)[0]
        elif csid == 1:
            low, high = self.recv_exact(2)
            csid = 64 + low + 256 * high
        state = self.streams.setdefault(csid, InboundChunkStream())
        if fmt <= 2:
            stamp = int.from_bytes(self.recv_exact(3), "big")
            if fmt <= 1:
                state.length = int.from_bytes(self.recv_exact(3), "big")
                state.type_id = self.recv_exact(1)[0]
            if fmt == 0:
                (state.stream_id,) = struct.unpack("<I", self.recv_exact(4))
            state.extended = stamp == 0xFFFFFF
            if state.extended:
                (stamp,) = struct.unpack(">I", self.recv_exact(4))
            if fmt == 0:
                state.timestamp = stamp
            else:
                state.delta = stamp
                if not state.buffer:
                    state.timestamp = (state.timestamp + stamp) & 0xFFFFFFFF
        else:
            if state.extended:
                self.recv_exact(4)
            if not state.buffer:
                state.timestamp = (state.timestamp + state.delta) & 0xFFFFFFFF
        remaining = state.length - len(state.buffer)
        state.buffer += self.recv_exact(min(remaining, self.in_chunk_size))
        if len(state.buffer) >= state.length:
            payload = bytes(state.buffer)
            state.buffer = bytearray()
            self._handle(state.type_id, state.stream_id, payload)
        if self.window and self.received - self.acked >= self.window:
            self.acked = self.received
            self.send_message(CS_CONTROL, MSG_ACK, 0, 0, struct.pack(">I", self.received & 0xFFFFFFFF))

    def _handle(self, type_id: int, stream_id: int, payload: bytes) -> None:
        if type_id == MSG_SET_CHUNK_SIZE and len(payload) >= 4:
            self.in_chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
            if not 1 <= self.in_chunk_size <= 0xFFFFFF:
                raise RTMPError(f"server set chunk size {self.in_chunk_size}")
        elif type_id == MSG_WINDOW_ACK and len(payload) >= 4:
            (self.window,) = struct.unpack(">I", payload[:4])
        elif type_id == MSG_USER_CONTROL and len(payload) >= 6:
            event, value = struct.unpack(">HI", payload[:6])
            if event == 6:  # PingRequest -> PingResponse
                self.send_message(CS_CONTROL, MSG_USER_CONTROL, 0, 0, struct.pack(">HI", 7, value))
        elif type_id in (MSG_COMMAND_AMF0, MSG_COMMAND_AMF3):
            body = payload[1:] if type_id == MSG_COMMAND_AMF3 else payload
            values = amf0_decode_all(body)
            self.log(f"received {values[0] if values else '?'}: {values[1:]}")
            with self.lock:
                self.messages.append((type_id, stream_id, values))
                self.lock.notify_all()

    def wait_command(self, predicate, timeout: float) -> list:
        """Waits for a command matching predicate; raises on an error status or a close."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for index, (_, _, values) in enumerate(self.messages):
                    error = status_error(values)
                    if error:
                        raise RTMPError(error)
                    if predicate(values):
                        del self.messages[index]
                        return values
                if self.closed:
                    raise RTMPError("connection closed by the server")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RTMPError("timed out waiting for the server")
                self.lock.wait(left)

    def check_errors(self) -> None:
        with self.lock:
            for _, _, values in self.messages:
                error = status_error(values)
                if error:
                    raise RTMPError(error)
            if self.closed:
                raise RTMPError("connection closed by the server")

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def status_error(values: list) -> str | None:
    """The description of an `_error` or an error-level onStatus, else None."""
    if not values:
        return None
    info = next((v for v in reversed(values) if isinstance(v, dict)), None)
    if values[0] == "_error":
        return f"_error: {dict(info) if info else values}"
    if values[0] == "onStatus" and info is not None and info.get("level") == "error":
        return f"{info.get('code')}: {info.get('description', '')}"
    return None


# ---------------------------------------------------------------------- publishing


@dataclass
class Message:
    time_ms: int
    order: int  # ties: configuration before frames, video before audio
    type_id: int
    payload: bytes


def to_ms(ticks: int, timescale: int) -> int:
    return (ticks * 1000 + timescale // 2) // timescale if ticks >= 0 else -((-ticks * 1000 + timescale // 2) // timescale)


def build_messages(video: Track, audio: Track | None, allow_x: bool, metadata_frame: bool) -> list[Message]:
    fourcc = FOURCC[video.entry]
    messages: list[Message] = []
    # Decode times relative to the edit list, so that audio and video line up at presentation 0.
    video_times = [(to_ms(s.dts - video.media_time, video.timescale),
                    to_ms(s.dts + s.cts - video.media_time, video.timescale)) for s in video.samples]
    audio_times = [to_ms(s.dts - audio.media_time, audio.timescale) for s in audio.samples] if audio else []
    shift = -min([0] + [d for d, _ in video_times] + audio_times)
    if metadata_frame:
        messages.append(Message(0, 0, MSG_VIDEO, video_metadata(fourcc)))
    messages.append(Message(0, 1, MSG_VIDEO, video_sequence_start(fourcc, video.config)))
    if audio:
        messages.append(Message(0, 2, MSG_AUDIO, audio_sequence_start(audio.config)))
    for sample, (dts, pts) in zip(video.samples, video_times):
        payload = video_coded_frame(fourcc, sample.sync, pts - dts, sample.data, allow_x)
        messages.append(Message(dts + shift, 3, MSG_VIDEO, payload))
    if audio:
        for sample, dts in zip(audio.samples, audio_times):
            messages.append(Message(dts + shift, 4, MSG_AUDIO, audio_frame(sample.data)))
    messages.sort(key=lambda m: (m.time_ms, m.order))
    last = messages[-1].time_ms
    messages.append(Message(last, 5, MSG_VIDEO, video_sequence_end(fourcc)))
    return messages


def metadata_values(video: Track, audio: Track | None) -> list:
    fourcc = FOURCC[video.entry]
    props = ECMAArray()
    props["width"] = video.width
    props["height"] = video.height
    if len(video.samples) > 1:
        span = video.samples[-1].dts - video.samples[0].dts
        if span > 0:
            props["framerate"] = round((len(video.samples) - 1) * video.timescale / span, 3)
    # Enhanced RTMP: the codec id is the FourCC, big-endian, as a number.
    props["videocodecid"] = float(int.from_bytes(fourcc, "big"))
    if audio:
        props["audiocodecid"] = 10.0
        props["audiosamplerate"] = float(audio.sample_rate)
        props["audiochannels"] = float(audio.channels)
        props["stereo"] = audio.channels == 2
    props["encoder"] = "erpublish"
    return ["@setDataFrame", "onMetaData", props]


def parse_url(url: str) -> tuple[str, int, str, str, str]:
    parts = urlsplit(url)
    if parts.scheme != "rtmp" or not parts.hostname:
        raise ValueError("the URL must be rtmp://HOST[:PORT]/APP/KEY")
    path = parts.path.lstrip("/")
    if "/" not in path:
        raise ValueError("the URL must name an application and a stream key: rtmp://HOST/APP/KEY")
    app, key = path.split("/", 1)
    if parts.query:
        key += "?" + parts.query
    port = parts.port or 1935
    tc_url = f"rtmp://{parts.hostname}:{port}/{app}"
    return parts.hostname, port, app, key, tc_url


def publish(args) -> int:
    try:
        video, audio = read_mp4(args.input)
    except (OSError, InputError, struct.error, IndexError) as error:
        print(f"erpublish: cannot read {args.input}: {error}", file=sys.stderr)
        return 2
    if args.no_audio:
        audio = None
    try:
        host, port, app, key, tc_url = parse_url(args.url)
    except ValueError as error:
        print(f"erpublish: {error}", file=sys.stderr)
        return 2
    try:
        messages = build_messages(video, audio, not args.no_codedframesx, not args.no_metadata_frame)
    except InputError as error:
        print(f"erpublish: {error}", file=sys.stderr)
        return 2

    conn = None
    try:
        conn = RTMPConnection(host, port, args.timeout, args.chunk_size, args.verbose)
        conn.handshake()
        conn.start_reader()
        conn.set_chunk_size()
        connect = AMFObject(
            app=app, type="nonprivate", flashVer="FMLE/3.0 (compatible; erpublish)", tcUrl=tc_url,
            fourCcList=["hvc1", "av01", "avc1", "mp4a"],
            videoFourCcInfoMap=AMFObject(hvc1=2.0, av01=2.0, avc1=2.0),  # FourCcInfoMask.CanEncode
            capsEx=0.0,
        )
        conn.command(["connect", 1.0, connect])
        conn.wait_command(lambda v: v[:2] == ["_result", 1.0], args.timeout)
        conn.command(["releaseStream", 2.0, None, key])
        conn.command(["FCPublish", 3.0, None, key])
        conn.command(["createStream", 4.0, None])
        result = conn.wait_command(lambda v: v[:2] == ["_result", 4.0], args.timeout)
        stream_id = int(result[3]) if len(result) > 3 and isinstance(result[3], float) else 1
        conn.command(["publish", 5.0, None, key, "live"], stream_id=stream_id, csid=8)
        conn.wait_command(lambda v: v[0] == "onStatus" and isinstance(v[-1], dict)
                          and v[-1].get("code") == "NetStream.Publish.Start", args.timeout)
        conn.log(f"publishing {len(video.samples)} {video.entry} samples"
                 + (f" and {len(audio.samples)} AAC frames" if audio else ""))
        data = b"".join(amf0_encode(v) for v in metadata_values(video, audio))
        conn.send_message(CS_DATA, MSG_DATA_AMF0, stream_id, 0, data)

        start = time.monotonic()
        for message in messages:
            if not args.fast:
                wait = start + message.time_ms / 1000 - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            conn.check_errors()
            csid = CS_VIDEO if message.type_id == MSG_VIDEO else CS_AUDIO
            conn.send_message(csid, message.type_id, stream_id, message.time_ms, message.payload)

        conn.command(["FCUnpublish", 6.0, None, key])
        conn.command(["deleteStream", 7.0, None, float(stream_id)])
        # The server answers with Unpublish.Success, or simply closes; an error status fails.
        try:
            conn.wait_command(lambda v: v[0] == "onStatus" and isinstance(v[-1], dict)
                              and v[-1].get("code") == "NetStream.Unpublish.Success", min(args.timeout, 3.0))
        except RTMPError as error:
            if "closed" not in str(error) and "timed out" not in str(error):
                raise
        conn.log("done")
        return 0
    except (OSError, RTMPError, AMFError) as error:
        reason = str(error)
        if conn is not None and not isinstance(error, RTMPError):
            # A failed send usually means the server refused and closed: report its status.
            if conn.reader is not None:
                conn.reader.join(2.0)
            try:
                conn.check_errors()
            except RTMPError as status:
                reason = str(status)
        print(f"erpublish: {reason}", file=sys.stderr)
        return 1
    finally:
        if conn is not None:
            conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="erpublish", description="Publish an MP4 (H.265/AV1/H.264 + AAC) over Enhanced RTMP.")
    parser.add_argument("input", help="MP4 file, plain or fragmented")
    parser.add_argument("url", help="rtmp://HOST[:PORT]/APP/KEY")
    parser.add_argument("--fast", action="store_true", help="send as fast as possible")
    parser.add_argument("--no-codedframesx", action="store_true", help="never use CodedFramesX")
    parser.add_argument("--no-metadata-frame", action="store_true", help="skip the colorInfo Metadata packet")
    parser.add_argument("--no-audio", action="store_true", help="send video only")
    parser.add_argument("--chunk-size", type=int, default=4096, help="outgoing chunk size (default 4096)")
    parser.add_argument("--timeout", type=float, default=10.0, help="network timeout in seconds")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if not 128 <= args.chunk_size <= 0x7FFFFFFF:
        parser.error("--chunk-size must be at least 128")
    return publish(args)


if __name__ == "__main__":
    sys.exit(main())
