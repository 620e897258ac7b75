#!/usr/bin/env python3
"""Regenerates the seed corpus in Fuzz/corpus/ from ffmpeg output and the unit tests' vectors.

Every seed is a small real input (ffmpeg encodes of a few frames, their parameter sets,
configuration records, tag bodies and transport streams), framed the way its fuzz target reads
it: most targets take one option byte first (see the target's doc comment in Fuzz/Sources).

    Fuzz/make-corpus.py                 # writes Fuzz/corpus/TARGET/*
    Fuzz/make-corpus.py --capture WEIR  # also records real ffmpeg RTMP sessions through WEIR

Needs ffmpeg with libx264, libx265 and the native AAC encoder. Seeds are overwritten, never
deleted: remove a target's directory first to drop stale ones. Crash inputs in Fuzz/crashes/
are never touched.
"""

import argparse
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
REPO = FUZZ.parent
MAX_SEED = 64 * 1024 - 1
WORK = Path(tempfile.mkdtemp(prefix="weir-corpus-"))


OUT = FUZZ / "corpus"


def seed(target: str, name: str, data: bytes) -> None:
    data = bytes(data)[:MAX_SEED]
    directory = OUT / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def encode(name: str, *args: str) -> bytes:
    path = WORK / name
    ffmpeg(*args, str(path))
    return path.read_bytes()


VIDEO = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10"]
AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100"]

# ---------------------------------------------------------------- containers


def flv_tags(data: bytes) -> list[tuple[int, int, bytes]]:
    """(type, timestamp, body) of every tag of an FLV file."""
    tags = []
    offset = struct.unpack(">I", data[5:9])[0] + 4
    while offset + 11 <= len(data):
        kind = data[offset] & 0x1F
        size = int.from_bytes(data[offset + 1:offset + 4], "big")
        ts = int.from_bytes(data[offset + 4:offset + 7], "big") | data[offset + 7] << 24
        tags.append((kind, ts, data[offset + 11:offset + 11 + size]))
        offset += 11 + size + 4
    return tags


def annexb_units(data: bytes) -> list[bytes]:
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    units = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - 3 if index + 1 < len(starts) else len(data)
        units.append(data[start:end].rstrip(b"\x00"))
    return [u for u in units if u]


def mp4_box(data: bytes, path: list[bytes], skip: dict[bytes, int] | None = None) -> bytes | None:
    """The payload of the first box at `path`, descending through sample entries by `skip`."""
    skip = skip or {}
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
            header = 16
        elif size == 0:
            size = len(data) - offset
        if size < header:
            return None
        if kind == path[0]:
            payload = data[offset + header:offset + size]
            if len(path) == 1:
                return payload
            return mp4_box(payload[skip.get(kind, 0):], path[1:], skip)
        offset += size
    return None


# ---------------------------------------------------------------- AMF0 and RTMP


def amf0(value) -> bytes:
    if isinstance(value, bool):
        return b"\x01" + bytes([value])
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        return (b"\x02" + struct.pack(">H", len(raw)) if len(raw) < 65536 else b"\x0c" + struct.pack(">I", len(raw))) + raw
    if value is None:
        return b"\x05"
    if isinstance(value, list):
        return b"\x0a" + struct.pack(">I", len(value)) + b"".join(amf0(v) for v in value)
    if isinstance(value, dict):
        body = b"".join(struct.pack(">H", len(k.encode())) + k.encode() + amf0(v) for k, v in value.items())
        return b"\x03" + body + b"\x00\x00\x09"
    raise TypeError(value)


def amf0_ecma(items: dict) -> bytes:
    body = b"".join(struct.pack(">H", len(k.encode())) + k.encode() + amf0(v) for k, v in items.items())
    return b"\x08" + struct.pack(">I", len(items)) + body + b"\x00\x00\x09"


def chunk_basic_header(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes([fmt << 6 | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([fmt << 6 | 1]) + struct.pack("<H", csid - 64)


def rtmp_chunks(messages: list[tuple[int, int, int, int, bytes]], chunk_size: int = 128) -> bytes:
    """Chunks (csid, type, stream id, timestamp, body) messages with the header compression
    an encoder uses: type 0 first, then 1, 2 or 3 when fields repeat; extended timestamps."""
    out = bytearray()
    last: dict[int, tuple[int, int, int, int, int]] = {}
    for csid, kind, stream, ts, body in messages:
        previous = last.get(csid)
        if previous is None or stream != previous[2] or ts < previous[3]:
            fmt, field = 0, ts
        else:
            delta = ts - previous[3]
            if kind != previous[1] or len(body) != previous[0]:
                fmt = 1
            elif delta != previous[4]:
                fmt = 2
            else:
                fmt = 3
            field = delta
        extended = field >= 0xFFFFFF
        header = chunk_basic_header(fmt, csid)
        stamp = (0xFFFFFF if extended else field).to_bytes(3, "big")
        if fmt == 0:
            header += stamp + len(body).to_bytes(3, "big") + bytes([kind]) + struct.pack("<I", stream)
        elif fmt == 1:
            header += stamp + len(body).to_bytes(3, "big") + bytes([kind])
        elif fmt == 2:
            header += stamp
        if extended:
            header += struct.pack(">I", field)
        out += header
        for start in range(0, max(len(body), 1), chunk_size):
            if start:
                out += chunk_basic_header(3, csid)
                if extended:
                    out += struct.pack(">I", field)
            out += body[start:start + chunk_size]
        # After a type 0 header the field is the absolute time, and a type 3 header adds it again.
        last[csid] = (len(body), kind, stream, ts, field)
    return bytes(out)


def rtmp_messages(stream: bytes) -> list[tuple[int, int, int, bytes]]:
    """Decodes a client's chunk stream after the handshake: (csid, type, timestamp, body)."""
    chunk_size = 128
    state: dict[int, dict] = {}
    messages = []
    i = 0
    try:
        while i < len(stream):
            fmt, csid = stream[i] >> 6, stream[i] & 0x3F
            i += 1
            if csid == 0:
                csid = 64 + stream[i]
                i += 1
            elif csid == 1:
                csid = 64 + stream[i] + stream[i + 1] * 256
                i += 2
            s = state.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "delta": 0, "buf": b"", "ext": False})
            if fmt <= 2:
                field = int.from_bytes(stream[i:i + 3], "big")
                s["ext"] = field == 0xFFFFFF
                i += 3
            if fmt <= 1:
                s["len"] = int.from_bytes(stream[i:i + 3], "big")
                s["type"] = stream[i + 3]
                i += 4
            if fmt == 0:
                i += 4
            if s["ext"]:
                field = struct.unpack(">I", stream[i:i + 4])[0]
                i += 4
            if not s["buf"]:
                if fmt == 0:
                    s["ts"] = field
                elif fmt <= 2:
                    s["delta"] = field
                    s["ts"] += field
                else:
                    s["ts"] += s["delta"]
            take = min(chunk_size, s["len"] - len(s["buf"]))
            s["buf"] += stream[i:i + take]
            i += take
            if len(s["buf"]) == s["len"]:
                body, s["buf"] = s["buf"], b""
                messages.append((csid, s["type"], s["ts"], body))
                if s["type"] == 1:
                    chunk_size = struct.unpack(">I", body[:4])[0]
    except (IndexError, struct.error):
        pass
    return messages


def capture_sessions(weir: str) -> dict[str, bytes]:
    """Records what ffmpeg sends when it publishes to a running weir."""
    conf = WORK / "conf"
    (conf / "conf.d").mkdir(parents=True)
    (conf / "conf.d" / "live.yaml").write_text("routes:\n  - name: live\n    match: live/*\n    ingest: [rtmp]\n    outputs:\n      - hls: {}\n")
    (conf / "weir.yaml").write_text(
        f"include: {conf / 'conf.d'}\nhttp:\n  listen: \"127.0.0.1:18491\"\n"
        "ingest:\n  rtmp:\n    listen: \"127.0.0.1:19491\"\n  srt:\n    listen: \"127.0.0.1:18493\"\n")
    log = WORK / "weir.log"
    server = subprocess.Popen([weir, "run", "--config", str(conf / "weir.yaml")], stdout=subprocess.DEVNULL,
                              stderr=log.open("wb"))
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", 19491)).close()
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"{weir} exited with {server.returncode}; see {log}")
            time.sleep(0.1)
    else:
        server.terminate()
        raise SystemExit(f"{weir} did not listen on 127.0.0.1:19491; see {log}")
    sessions = {}
    try:
        for name, args in {
            "h264-high-aac": [*VIDEO, *AUDIO, "-t", "1.5", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt",
                              "yuv420p", "-g", "5", "-c:a", "aac", "-b:a", "32k"],
            "h264-baseline": ["-f", "lavfi", "-i", "testsrc=size=32x32:rate=5", "-t", "1", "-c:v", "libx264",
                              "-profile:v", "baseline", "-pix_fmt", "yuv420p", "-g", "3"],
            "aac-mono": ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=22050", "-t", "1", "-c:a", "aac",
                         "-ac", "1", "-b:a", "16k"],
            "h264-main-bframes": ["-f", "lavfi", "-i", "testsrc=size=48x32:rate=8", *AUDIO, "-t", "1", "-c:v",
                                  "libx264", "-profile:v", "main", "-pix_fmt", "yuv420p", "-g", "4", "-bf", "2",
                                  "-c:a", "aac", "-b:a", "24k"],
        }.items():
            listener = socket.create_server(("127.0.0.1", 19492))
            recorded = bytearray()

            def proxy() -> None:
                client, _ = listener.accept()
                upstream = socket.create_connection(("127.0.0.1", 19491))

                def back() -> None:
                    try:
                        while data := upstream.recv(65536):
                            client.sendall(data)
                    except OSError:
                        pass  # the other direction closed both sockets

                threading.Thread(target=back, daemon=True).start()
                while data := client.recv(65536):
                    recorded.extend(data)
                    upstream.sendall(data)
                upstream.close()
                client.close()

            thread = threading.Thread(target=proxy, daemon=True)
            thread.start()
            ffmpeg("-re", *args, "-f", "flv", f"rtmp://127.0.0.1:19492/live/{name}")
            thread.join(5)
            listener.close()
            sessions[name] = bytes(recorded)
    finally:
        server.terminate()
        server.wait()
    return sessions


# ---------------------------------------------------------------- bit writer


class Bits:
    def __init__(self) -> None:
        self.value, self.count = 0, 0

    def put(self, value: int, bits: int) -> "Bits":
        self.value = self.value << bits | (value & ((1 << bits) - 1))
        self.count += bits
        return self

    def bytes(self) -> bytes:
        pad = -self.count % 8
        return (self.value << pad).to_bytes((self.count + pad) // 8, "big")


# ---------------------------------------------------------------- media


def make_media() -> dict[str, bytes]:
    media = {}
    x264 = {
        "baseline-32x32": ["-s", "32x32", "-profile:v", "baseline", "-pix_fmt", "yuv420p"],
        "main-interlaced": ["-s", "64x48", "-profile:v", "main", "-pix_fmt", "yuv420p", "-flags", "+ildct+ilme",
                            "-x264-params", "interlaced=1"],
        "high-cropped-66x50": ["-s", "66x50", "-profile:v", "high", "-pix_fmt", "yuv420p"],
        "high-cqm-sar": ["-s", "64x48", "-profile:v", "high", "-pix_fmt", "yuv420p", "-x264-params",
                         "cqm=jvt:sar=4/3:nal-hrd=vbr:vbv-maxrate=500:vbv-bufsize=500"],
        "high10": ["-s", "64x48", "-pix_fmt", "yuv420p10le"],
        "high422": ["-s", "64x48", "-pix_fmt", "yuv422p"],
        "high444-cropped": ["-s", "62x46", "-pix_fmt", "yuv444p"],
        "ntsc-timing": ["-s", "64x48", "-r", "30000/1001", "-pix_fmt", "yuv420p", "-bf", "0"],
    }
    for name, args in x264.items():
        media[f"h264-{name}"] = encode(f"{name}.h264", "-f", "lavfi", "-i", "testsrc=rate=10", "-frames:v", "3",
                                       "-c:v", "libx264", *args, "-f", "h264")
    x265 = {
        "main-64x64": ["-s", "64x64", "-pix_fmt", "yuv420p"],
        "main-cropped-66x50": ["-s", "66x50", "-pix_fmt", "yuv420p"],
        "main10": ["-s", "64x48", "-pix_fmt", "yuv420p10le"],
        "rext-444": ["-s", "64x48", "-pix_fmt", "yuv444p"],
        "rext-422-10": ["-s", "64x48", "-pix_fmt", "yuv422p10le"],
        "temporal-layers": ["-s", "64x48", "-pix_fmt", "yuv420p", "-x265-params", "log-level=none:temporal-layers=1:bframes=3"],
    }
    for name, args in x265.items():
        media[f"hevc-{name}"] = encode(f"{name}.hevc", "-f", "lavfi", "-i", "testsrc=rate=10", "-frames:v", "3",
                                       "-c:v", "libx265", "-x265-params", "log-level=none", *args, "-f", "hevc")
    return media


# ---------------------------------------------------------------- targets


def h264_and_hevc(media: dict[str, bytes]) -> None:
    for name, stream in media.items():
        units = annexb_units(stream)
        if name.startswith("h264-"):
            sps = next(u for u in units if u[0] & 0x1F == 7)
            seed("H264", f"sps-{name[5:]}", b"\x00" + sps[1:])
            seed("H264", f"annexb-{name[5:]}", b"\x02" + stream[:1024])
            seed("H264", f"annexb-builder-{name[5:]}", b"\x03" + stream[:1024])
        else:
            sps = next(u for u in units if (u[0] >> 1) & 0x3F == 33)
            seed("HEVC", f"sps-{name[5:]}", b"\x00" + sps[2:])
            seed("HEVC", f"annexb-{name[5:]}", b"\x02" + stream[:2048])
            seed("HEVC", f"annexb-builder-{name[5:]}", b"\x03" + stream[:2048])

    for name, args in {
        "high": ["-profile:v", "high", "-pix_fmt", "yuv420p"],
        "high444": ["-pix_fmt", "yuv444p"],
        "baseline": ["-profile:v", "baseline", "-pix_fmt", "yuv420p"],
    }.items():
        flv = encode(f"avcc-{name}.flv", *VIDEO, "-frames:v", "2", "-c:v", "libx264", *args, "-f", "flv")
        header = next(body for kind, _, body in flv_tags(flv) if kind == 9 and body[1] == 0)
        seed("H264", f"avcc-{name}", b"\x01" + header[5:])
    for name, args in {"main": ["-pix_fmt", "yuv420p"], "main10": ["-pix_fmt", "yuv420p10le"],
                       "rext-444": ["-pix_fmt", "yuv444p"]}.items():
        mp4 = encode(f"hvcc-{name}.mp4", *VIDEO, "-frames:v", "2", "-c:v", "libx265", "-x265-params",
                     "log-level=none", *args, "-tag:v", "hvc1", "-f", "mp4")
        hvcc = mp4_box(mp4, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"hvc1", b"hvcC"],
                       {b"stsd": 8, b"hvc1": 78})
        seed("HEVC", f"hvcc-{name}", b"\x01" + hvcc)


def audio_config() -> None:
    for rate in (8000, 22050, 44100, 48000, 96000):
        for channels in (1, 2, 6, 8):
            if rate in (8000, 96000) and channels > 2:
                continue
            adts = encode(f"a{rate}-{channels}.aac", "-f", "lavfi", "-i", f"sine=sample_rate={rate}", "-t", "0.2",
                          "-ac", str(channels), "-c:a", "aac", "-f", "adts")
            seed("AudioConfig", f"adts-{rate}-{channels}ch", b"\x01" + adts[:9])
            if channels in (2, 6):
                flv = encode(f"a{rate}-{channels}.flv", "-f", "lavfi", "-i", f"sine=sample_rate={rate}", "-t",
                             "0.1", "-ac", str(channels), "-c:a", "aac", "-f", "flv")
                header = next(body for kind, _, body in flv_tags(flv) if kind == 8 and body[1] == 0)
                seed("AudioConfig", f"asc-{rate}-{channels}ch", b"\x00" + header[2:])
    crc = bytearray(adts[:9])
    crc[1] &= 0xFE
    seed("AudioConfig", "adts-with-crc", b"\x01" + crc)
    handmade = {
        # HE-AAC: SBR (object type 5) over a 22.05 kHz LC core, signalled explicitly.
        "asc-he-aac": Bits().put(5, 5).put(7, 4).put(2, 4).put(4, 4).put(2, 5).put(0, 3).bytes(),
        # HE-AAC v2: parametric stereo (29) over a mono core.
        "asc-he-aac-v2": Bits().put(29, 5).put(6, 4).put(1, 4).put(3, 4).put(2, 5).put(0, 3).bytes(),
        # LC with backward-compatible SBR signalling after the fields (sync extension 0x2b7).
        "asc-lc-sbr-sync": Bits().put(2, 5).put(6, 4).put(2, 4).put(0, 3).put(0x2B7, 11).put(5, 5).put(1, 1)
        .put(3, 4).bytes(),
        # Explicit 24-bit sampling frequency.
        "asc-explicit-rate": Bits().put(2, 5).put(15, 4).put(44_056, 24).put(2, 4).put(0, 3).bytes(),
        # Escaped object type (31 + 6 bits: 32 + 7 = 39, ER AAC ELD) with 480-sample frames.
        "asc-escape-eld": Bits().put(31, 5).put(7, 6).put(3, 4).put(1, 4).put(1, 1).put(0, 2).bytes(),
        # ER AAC LD (23), 512-sample frames.
        "asc-ld": Bits().put(23, 5).put(3, 4).put(2, 4).put(0, 3).bytes(),
        # Channel configuration 0: the channels come from a program config element (5.1).
        "asc-pce-5.1": Bits().put(2, 5).put(3, 4).put(0, 4).put(0, 3)
        .put(0, 4).put(1, 2).put(3, 4).put(2, 4).put(0, 4).put(1, 4).put(1, 2).put(0, 3).put(0, 4)
        .put(0, 1).put(0, 1).put(0, 1).put(0, 1).put(0, 4).put(1, 1).put(1, 4).put(1, 1).put(2, 4).bytes(),
    }
    for name, data in handmade.items():
        seed("AudioConfig", name, b"\x00" + data)


def flv_and_amf(golden: dict[str, bytes]) -> dict[str, bytes]:
    flv = encode("av.flv", *VIDEO, *AUDIO, "-t", "0.6", "-c:v", "libx264", "-profile:v", "high", "-pix_fmt",
                 "yuv420p", "-g", "3", "-bf", "2", "-c:a", "aac", "-b:a", "24k", "-f", "flv")
    tags = flv_tags(flv)
    video = [body for kind, _, body in tags if kind == 9]
    audio = [body for kind, _, body in tags if kind == 8]
    script = [body for kind, _, body in tags if kind == 18]
    seed("FLVTag", "avc-sequence-header", b"\x00" + video[0])
    seed("FLVTag", "avc-keyframe", b"\x00" + video[1])
    for index, body in enumerate(video[2:5]):
        seed("FLVTag", f"avc-inter-{index}", b"\x00" + body)
    seed("FLVTag", "avc-end-of-sequence", b"\x00\x17\x02\x00\x00\x00")
    seed("FLVTag", "legacy-command-frame", b"\x00\x57\x01")
    seed("FLVTag", "aac-sequence-header", b"\x01" + audio[0])
    seed("FLVTag", "aac-raw", b"\x01" + audio[1])
    seed("FLVTag", "mp3-legacy", b"\x01\x2f" + bytes(range(16)))
    seed("FLVTag", "enhanced-audio-mp4a", b"\x01\x90mp4a" + audio[0][2:])
    seed("FLVTag", "enhanced-audio-opus-modex", b"\x01\x97\x02\x00\x01\x00\x01Opus" + bytes(8))
    for name, body in golden.items():
        if name == "hvcC":
            seed("HEVC", "hvcc-golden-erpublish", b"\x01" + body)
        elif not name.endswith(("Sample", "C")):
            seed("FLVTag", f"golden-{name}", b"\x00" + body)
    seed("FLVTag", "enhanced-command-frame", b"\x00\xd1\x00")
    seed("FLVTag", "enhanced-multitrack-many-codecs",
         b"\x00\x96\x21" + b"hvc1\x01" + (5).to_bytes(3, "big") + b"\x00\x00\x00\x00\x01"
         + b"avc1\x02" + (4).to_bytes(3, "big") + b"\x00\x00\x00\x01")

    connect = [
        "connect", 1.0,
        {"app": "live", "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; Lavf59.27.100)",
         "tcUrl": "rtmp://127.0.0.1:1935/live"},
    ]
    commands = {
        "connect": b"".join(amf0(v) for v in connect),
        "release-stream": amf0("releaseStream") + amf0(2.0) + amf0(None) + amf0("key"),
        "create-stream": amf0("createStream") + amf0(4.0) + amf0(None),
        "publish": amf0("publish") + amf0(5.0) + amf0(None) + amf0("key") + amf0("live"),
        "set-data-frame": amf0("@setDataFrame") + amf0("onMetaData") + script[0][13:] if script else b"",
        "on-metadata": script[0] if script else b"",
        "every-marker": amf0(1.5) + amf0(True) + amf0("s") + b"\x0c\x00\x00\x00\x02ab" + amf0({"k": [1, None]})
        + b"\x10\x00\x04Type\x00\x01a\x05\x00\x00\x09" + amf0_ecma({"x": 1, "y": "z"}) + b"\x0b" + bytes(8)
        + b"\x00\x00" + b"\x06\x0d\x0f\x00\x00\x00\x01<" + amf0([]),
        "nested": amf0({"a": {"b": {"c": [[{"d": None}]]}}}),
        "ecma-wrong-count": b"\x08\x00\x00\x00\x09" + b"\x00\x01a\x05" + b"\x00\x00\x09",
    }
    for name, body in commands.items():
        seed("AMF0", name, b"\x00" + body)
    seed("AMF0", "amf3-command-connect", b"\x01\x00" + commands["connect"])
    seed("AMF0", "amf3-switch", b"\x01\x00\x11\x06\x03a")
    return {"video": video, "audio": audio, "commands": commands}


def rtmp(flv: dict, sessions: dict[str, bytes]) -> None:
    handshake = b"\x03" + bytes(8) + bytes(random.Random(1).randrange(256) for _ in range(1528))
    c2 = bytes(1536)
    video, audio, commands = flv["video"], flv["audio"], flv["commands"]
    base = [
        (3, 20, 0, 0, commands["connect"]),
        (3, 20, 0, 0, commands["release-stream"]),
        (3, 20, 0, 0, commands["create-stream"]),
        (8, 20, 1, 0, commands["publish"]),
        (4, 18, 1, 0, commands["set-data-frame"]),
        (6, 9, 1, 0, video[0]),
        (4, 8, 1, 0, audio[0]),
        (6, 9, 1, 0, video[1]),
        (4, 8, 1, 23, audio[1]),
        (6, 9, 1, 100, video[2]),
        (4, 8, 1, 46, audio[2]),
        (6, 9, 1, 200, video[3]),
    ]
    set_chunk = (2, 1, 0, 0, struct.pack(">I", 4096))
    plain = rtmp_chunks(base)
    seed("RTMPChunk", "handshake-publish-128", b"\x01" + handshake + c2 + plain)
    seed("RTMPChunk", "publish-128-two-byte-pieces", b"\x02" + plain)
    seed("RTMPChunk", "publish-4096", b"\x06" + rtmp_chunks([base[0], set_chunk] + base[1:]))
    seed("RTMPChunk", "publish-small-limits", b"\x18" + plain)
    # A timestamp past 24 bits: extended timestamps on every chunk, continuations included.
    late = [(c, t, s, ts + 0x1_000_000, b) for c, t, s, ts, b in base[5:]]
    seed("RTMPChunk", "extended-timestamps", b"\x08" + rtmp_chunks(base[:5] + late))
    # Chunk stream ids in the two- and three-byte forms, an abort, and interleaving.
    wide = [(70, 9, 1, 0, video[0]), (400, 8, 1, 0, audio[0]), (2, 2, 0, 0, struct.pack(">I", 400)),
            (70, 9, 1, 40, video[1])]
    seed("RTMPChunk", "wide-chunk-stream-ids-abort", b"\x0a" + rtmp_chunks(wide, chunk_size=64))
    control = [(2, 5, 0, 0, struct.pack(">I", 2500000)), (2, 6, 0, 0, struct.pack(">IB", 2500000, 2)),
               (2, 4, 0, 0, struct.pack(">HI", 3, 1)), (2, 3, 0, 0, struct.pack(">I", 5000)),
               (3, 17, 0, 0, b"\x00" + commands["connect"]), (3, 22, 1, 0, bytes(11))]
    seed("RTMPChunk", "control-messages", b"\x04" + rtmp_chunks(control))
    for name, data in sessions.items():
        seed("RTMPChunk", f"ffmpeg-session-{name}", b"\x0b" + data)
        for csid, kind, _, body in rtmp_messages(data[3073:]):
            if kind == 20:
                name_length = struct.unpack(">H", body[1:3])[0]
                seed("AMF0", f"ffmpeg-{body[3:3 + name_length].decode(errors='replace')}", b"\x00" + body)
            elif kind == 18:
                seed("AMF0", "ffmpeg-set-data-frame", b"\x00" + body)


def mpegts() -> None:
    streams = {
        "h264-aac": [*VIDEO, *AUDIO, "-t", "0.8", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "4", "-bf", "2",
                     "-c:a", "aac", "-b:a", "24k"],
        "hevc-aac": [*VIDEO, *AUDIO, "-t", "0.6", "-c:v", "libx265", "-x265-params", "log-level=none", "-pix_fmt",
                     "yuv420p", "-g", "3", "-c:a", "aac", "-b:a", "24k"],
        "h264-only": [*VIDEO, "-t", "0.6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "3"],
        "aac-only": [*AUDIO, "-t", "0.8", "-c:a", "aac", "-b:a", "24k"],
        "mp2-ac3-skipped": [*VIDEO, *AUDIO, "-t", "0.5", "-map", "0:v", "-map", "1:a", "-map", "1:a", "-c:v",
                            "libx264", "-pix_fmt", "yuv420p", "-c:a:0", "mp2", "-c:a:1", "ac3"],
        "two-programs": [*VIDEO, *AUDIO, "-t", "0.4", "-map", "0:v", "-map", "1:a", "-map", "0:v", "-map", "1:a",
                         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "16k",
                         "-program", "program_num=1:st=0:st=1", "-program", "program_num=2:st=2:st=3"],
        "near-pts-wrap": [*VIDEO, *AUDIO, "-t", "0.8", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "4",
                          "-c:a", "aac", "-b:a", "24k", "-output_ts_offset", "95443.2"],
        "resend-headers": [*VIDEO, *AUDIO, "-t", "0.5", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
                           "-b:a", "24k", "-mpegts_flags", "+resend_headers+pat_pmt_at_frames", "-pcr_period", "20"],
    }
    data = {}
    for name, args in streams.items():
        data[name] = encode(f"{name}.ts", *args, "-f", "mpegts")
        seed("MPEGTS", name, b"\x07" + data[name])
    rng = random.Random(4)
    base = bytearray(data["h264-aac"][:188 * 300])
    flipped = bytearray(base)
    for _ in range(20):
        flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
    seed("MPEGTS", "bit-flips", b"\x03" + flipped)
    dropped = b"".join(base[i:i + 188] for i in range(0, len(base), 188) if rng.random() > 0.05)
    seed("MPEGTS", "dropped-packets", b"\x05" + dropped)
    seed("MPEGTS", "garbage-then-stream", b"\x02" + bytes(rng.randrange(256) for _ in range(500)) + base[:188 * 60])
    seed("MPEGTS", "small-limits-program-1", b"\x1e" + data["two-programs"])
    seed("MPEGTS", "datagrams", b"\x04" + data["hevc-aac"])
    # Option bit 5: the target recomputes section CRCs, so mutated tables reach the parsers.
    seed("MPEGTS", "crc-repair-h264-aac", b"\x27" + data["h264-aac"][:188 * 40])
    seed("MPEGTS", "crc-repair-two-programs", b"\x27" + data["two-programs"][:188 * 40])
    seed("MPEGTS", "crc-repair-skipped-streams", b"\x2c" + data["mp2-ac3-skipped"][:188 * 40])


def box_reader() -> None:
    fragmented = ["-movflags", "frag_keyframe+empty_moov+default_base_moof"]
    files = {
        "fmp4-h264-aac": [*VIDEO, *AUDIO, "-t", "0.6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "3",
                          "-c:a", "aac", "-b:a", "24k", *fragmented],
        "fmp4-hevc": [*VIDEO, "-t", "0.4", "-c:v", "libx265", "-x265-params", "log-level=none", "-pix_fmt",
                      "yuv420p", "-g", "2", "-tag:v", "hvc1", *fragmented],
        "fmp4-aac-cmaf": [*AUDIO, "-t", "0.5", "-c:a", "aac", "-b:a", "24k", *fragmented, "-movflags", "+cmaf"],
        "mp4-faststart": [*VIDEO, "-t", "0.4", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "faststart"],
    }
    for name, args in files.items():
        seed("BoxReader", name, encode(f"{name}.mp4", *args, "-f", "mp4"))
    seed("BoxReader", "largesize-uuid-to-end",
         struct.pack(">I4sQ", 1, b"free", 24) + bytes(8)
         + struct.pack(">I4s", 40, b"uuid") + bytes(16) + bytes(16) + struct.pack(">I4s", 0, b"mdat") + b"data")


def golden_vectors() -> dict[str, bytes]:
    source = (REPO / "Tests/RTMPTests/Vectors/EnhancedRTMPVectors.swift").read_text()
    vectors = {}
    for name, body in re.findall(r"static let (\w+): \[UInt8\] = hex\(\s*((?:\"[0-9a-f]*\",?\s*)+)\)", source):
        if name[0].islower():
            vectors[name] = bytes.fromhex("".join(re.findall(r"\"([0-9a-f]*)\"", body)))
    return vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capture", metavar="WEIR", help="record real ffmpeg RTMP sessions through this weir binary")
    parser.add_argument("--out", metavar="DIR", help="write here instead of Fuzz/corpus")
    args = parser.parse_args()
    global OUT
    if args.out:
        OUT = Path(args.out)
    try:
        sessions = capture_sessions(args.capture) if args.capture else {}
        h264_and_hevc(make_media())
        audio_config()
        flv = flv_and_amf(golden_vectors())
        rtmp(flv, sessions)
        mpegts()
        box_reader()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"corpus: {total} bytes in {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
