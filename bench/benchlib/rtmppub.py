"""A light paced RTMP publisher: many streams in one asyncio process.

Each stream sends an FLV clip's tags in real time (looping it with continuing timestamps) and
logs, for every video tag, the monotonic time at which its last byte was handed to the kernel,
keyed by decode time. ffmpeg costs more CPU per stream than the servers under test, so with it
30 publishers would measure ffmpeg; this costs a few percent of one core for 30 streams.
"""

from __future__ import annotations

import asyncio
import os
import random
import struct
import time
from dataclasses import dataclass, field

from .flv import TAG_AUDIO, TAG_VIDEO, Clip

EXT = 0xFFFFFF
CHUNK_SIZE = 4096
CSID_CONTROL = 2
CSID_COMMAND = 3
CSID_AUDIO = 4
CSID_DATA = 5
CSID_VIDEO = 6

MSG_SET_CHUNK_SIZE = 1
MSG_WINDOW_ACK = 5
MSG_COMMAND_AMF0 = 20
MSG_DATA_AMF0 = 18
MSG_COMMAND_AMF3 = 17


class PublishError(Exception):
    pass


# ---------------------------------------------------------------- AMF0 (the few shapes RTMP commands use)

def amf(*values) -> bytes:
    out = bytearray()
    for v in values:
        if v is None:
            out += b"\x05"
        elif isinstance(v, bool):
            out += b"\x01" + (b"\x01" if v else b"\x00")
        elif isinstance(v, (int, float)):
            out += b"\x00" + struct.pack(">d", float(v))
        elif isinstance(v, str):
            raw = v.encode()
            out += b"\x02" + struct.pack(">H", len(raw)) + raw
        elif isinstance(v, dict):
            out += b"\x03"
            for k, x in v.items():
                kb = k.encode()
                out += struct.pack(">H", len(kb)) + kb + amf(x)
            out += b"\x00\x00\x09"
        else:
            raise TypeError(type(v))
    return bytes(out)


def amf_decode(data: bytes) -> list:
    """Decodes numbers, strings, booleans, nulls and objects; stops at anything else."""
    out: list = []
    pos = 0

    def one(pos: int):
        m = data[pos]
        pos += 1
        if m == 0x00:
            return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
        if m == 0x01:
            return data[pos] != 0, pos + 1
        if m == 0x02:
            n = struct.unpack(">H", data[pos:pos + 2])[0]
            return data[pos + 2:pos + 2 + n].decode(errors="replace"), pos + 2 + n
        if m in (0x05, 0x06):
            return None, pos
        if m in (0x03, 0x08):
            if m == 0x08:
                pos += 4
            obj = {}
            while pos + 3 <= len(data):
                n = struct.unpack(">H", data[pos:pos + 2])[0]
                if n == 0 and data[pos + 2] == 0x09:
                    return obj, pos + 3
                key = data[pos + 2:pos + 2 + n].decode(errors="replace")
                obj[key], pos = one(pos + 2 + n)
            raise ValueError("unterminated object")
        raise ValueError(f"AMF0 marker {m:#x}")

    try:
        while pos < len(data):
            v, pos = one(pos)
            out.append(v)
    except (ValueError, IndexError, struct.error):
        pass
    return out


# ---------------------------------------------------------------- chunk stream

class ChunkEncoder:
    def __init__(self) -> None:
        self.chunk_size = 128
        self.last: dict[int, tuple[int, int]] = {}  # csid -> (timestamp, stream id)

    def encode(self, csid: int, mtype: int, sid: int, ts: int, payload: bytes) -> bytes:
        prev = self.last.get(csid)
        if prev is None or prev[1] != sid or ts < prev[0]:
            fmt, value = 0, ts
        else:
            fmt, value = 1, ts - prev[0]
        self.last[csid] = (ts, sid)
        extended = value >= EXT
        head = bytearray([(fmt << 6) | csid])
        head += (min(value, EXT)).to_bytes(3, "big")
        head += len(payload).to_bytes(3, "big") + bytes([mtype])
        if fmt == 0:
            head += struct.pack("<I", sid)
        ext = struct.pack(">I", value) if extended else b""
        head += ext
        size = self.chunk_size
        if len(payload) <= size:
            return bytes(head) + payload
        parts = [bytes(head), payload[:size]]
        cont = bytes([(3 << 6) | csid]) + ext
        for pos in range(size, len(payload), size):
            parts.append(cont)
            parts.append(payload[pos:pos + size])
        return b"".join(parts)


class ChunkDecoder:
    """Reads what a server sends during connect/publish (small messages)."""

    def __init__(self) -> None:
        self.chunk_size = 128
        self.buf = bytearray()
        self.streams: dict[int, list] = {}  # csid -> [ts, length, type, sid, payload]

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        self.buf += data
        out = []
        while True:
            got = self._one()
            if got is None:
                return out
            if got is not True:
                mtype, payload = got
                if mtype == MSG_SET_CHUNK_SIZE and len(payload) >= 4:
                    self.chunk_size = max(1, struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF)
                out.append(got)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, pos = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, pos = b[1] + 64, 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, pos = b[1] + (b[2] << 8) + 64, 3
        hlen = (11, 7, 3, 0)[fmt]
        if len(b) < pos + hlen:
            return None
        st = self.streams.get(csid) or [0, 0, 0, 0, bytearray()]
        field_value = int.from_bytes(b[pos:pos + 3], "big") if fmt <= 2 else None
        length, mtype = st[1], st[2]
        if fmt <= 1:
            length, mtype = int.from_bytes(b[pos + 3:pos + 6], "big"), b[pos + 6]
        pos += hlen
        if field_value == EXT:
            if len(b) < pos + 4:
                return None
            pos += 4
        remaining = length - len(st[4]) if (fmt == 3 and st[4]) else length
        take = min(remaining, self.chunk_size)
        if len(b) < pos + take:
            return None
        st[1], st[2] = length, mtype
        if not (fmt == 3 and st[4]):
            st[4] = bytearray()
        st[4] += b[pos:pos + take]
        self.streams[csid] = st
        del b[:pos + take]
        if len(st[4]) >= length:
            payload = bytes(st[4])
            st[4] = bytearray()
            return mtype, payload
        return True


# ---------------------------------------------------------------- one published stream

@dataclass
class StreamLog:
    path: str
    video: list[tuple[int, float]] = field(default_factory=list)  # (dts ms, monotonic send time)
    keyframes: set[int] = field(default_factory=set)
    started_at: float = 0.0  # monotonic time of the first media tag
    stopped_at: float = 0.0
    bytes_sent: int = 0
    late_sends: int = 0  # tags sent more than 50 ms after they were due
    error: str = ""


class StreamPublisher:
    def __init__(self, host: str, port: int, app: str, key: str, clip: Clip, log: bool = True):
        self.host, self.port, self.app, self.key = host, port, app, key
        self.clip = clip
        self.log = StreamLog(f"{app}/{key}")
        self.keep_log = log
        self.enc = ChunkEncoder()
        self.dec = ChunkDecoder()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.stream_id = 1
        self._drain_task: asyncio.Task | None = None
        self._inbox: list[tuple[int, bytes]] = []

    async def _read_messages(self, want: str, timeout: float) -> list:
        """Reads server messages until a command named `want` (or an error status) arrives."""
        assert self.reader is not None
        deadline = time.monotonic() + timeout
        while True:
            while self._inbox:
                mtype, payload = self._inbox.pop(0)
                if mtype == MSG_COMMAND_AMF3:
                    payload = payload[1:]
                if mtype not in (MSG_COMMAND_AMF0, MSG_COMMAND_AMF3):
                    continue
                values = amf_decode(payload)
                if not values:
                    continue
                name = values[0]
                info = next((v for v in values[3:] if isinstance(v, dict)), {})
                code = str(info.get("code", ""))
                if name == "_error" or (name == "onStatus" and ("Failed" in code or "Bad" in code or "Rejected" in code)):
                    raise PublishError(f"{self.log.path}: refused: {code or values}")
                if name == want and (want != "onStatus" or code == "NetStream.Publish.Start"):
                    return values
            left = deadline - time.monotonic()
            if left <= 0:
                raise PublishError(f"{self.log.path}: no {want} from the server")
            try:
                data = await asyncio.wait_for(self.reader.read(65536), left)
            except asyncio.TimeoutError:
                raise PublishError(f"{self.log.path}: no {want} from the server") from None
            if not data:
                raise PublishError(f"{self.log.path}: server closed the connection waiting for {want}")
            self._inbox += self.dec.feed(data)

    def _send(self, csid: int, mtype: int, sid: int, ts: int, payload: bytes) -> None:
        assert self.writer is not None
        data = self.enc.encode(csid, mtype, sid, ts, payload)
        self.writer.write(data)
        self.log.bytes_sent += len(data)

    async def connect(self, timeout: float = 10.0) -> None:
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), timeout)
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        self.writer.write(b"\x03" + c1)
        s0s1s2 = await asyncio.wait_for(self.reader.readexactly(1 + 1536 + 1536), timeout)
        self.writer.write(s0s1s2[1:1537])  # C2 echoes S1
        self.enc.chunk_size = CHUNK_SIZE
        self._send(CSID_CONTROL, MSG_SET_CHUNK_SIZE, 0, 0, struct.pack(">I", CHUNK_SIZE))
        tc_url = f"rtmp://{self.host}:{self.port}/{self.app}"
        self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("connect", 1, {
            "app": self.app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; weir-bench)",
            "tcUrl": tc_url}))
        await self._read_messages("_result", timeout)
        self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("releaseStream", 2, None, self.key))
        self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("FCPublish", 3, None, self.key))
        self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("createStream", 4, None))
        while True:
            res = await self._read_messages("_result", timeout)
            if len(res) >= 2 and res[1] == 4:
                break
        if len(res) >= 4 and isinstance(res[3], float):
            self.stream_id = int(res[3])
        self._send(CSID_COMMAND, MSG_COMMAND_AMF0, self.stream_id, 0, amf("publish", 5, None, self.key, "live"))
        await self._read_messages("onStatus", timeout)
        # From here on the server only sends acknowledgements and pings: read and drop them.
        self._drain_task = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        assert self.reader is not None
        try:
            while await self.reader.read(65536):
                pass
        except (ConnectionError, asyncio.CancelledError):
            pass

    def _send_tag(self, ttype: int, ts: int, data: bytes) -> None:
        if ttype == TAG_VIDEO:
            self._send(CSID_VIDEO, ttype, self.stream_id, ts, data)
        elif ttype == TAG_AUDIO:
            self._send(CSID_AUDIO, ttype, self.stream_id, ts, data)

    async def run(self, duration: float) -> None:
        """Sends the clip in real time for `duration` seconds, then unpublishes."""
        assert self.writer is not None
        clip = self.clip
        if clip.metadata is not None:
            self._send(CSID_DATA, MSG_DATA_AMF0, self.stream_id, 0,
                       amf("@setDataFrame") + clip.metadata.data)
        for t in clip.configs:
            self._send_tag(t.type, 0, t.data)
        t0 = time.monotonic()
        self.log.started_at = t0
        stop_at = t0 + duration
        media = clip.media
        n = len(media)
        period = clip.period_ms
        i = loop = 0
        transport = self.writer.transport
        video_log = self.log.video
        keyframes = self.log.keyframes
        try:
            while True:
                tag = media[i]
                ts = tag.timestamp + loop * period
                due = t0 + ts / 1000.0
                now = time.monotonic()
                if due > now:
                    if due >= stop_at:
                        break
                    await asyncio.sleep(due - now)
                    now = time.monotonic()
                elif now - due > 0.05:
                    self.log.late_sends += 1
                self._send_tag(tag.type, ts, tag.data)
                if tag.type == TAG_VIDEO and self.keep_log:
                    video_log.append((ts, time.monotonic()))
                    if tag.data[0] >> 4 == 1:
                        keyframes.add(ts)
                i += 1
                if i == n:
                    i = 0
                    loop += 1
                if transport.is_closing():
                    self.log.error = "the server closed the connection"
                    break
                if transport.get_write_buffer_size() > 4 << 20:
                    await self.writer.drain()
        except (ConnectionError, OSError) as e:
            self.log.error = f"{type(e).__name__}: {e}"
        self.log.stopped_at = time.monotonic()

    async def close(self) -> None:
        if self.writer is None:
            return
        try:
            self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("FCUnpublish", 6, None, self.key))
            self._send(CSID_COMMAND, MSG_COMMAND_AMF0, 0, 0, amf("deleteStream", 7, None, float(self.stream_id)))
            await asyncio.wait_for(self.writer.drain(), 2)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), 2)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            pass
        if self._drain_task is not None:
            self._drain_task.cancel()


async def publish_many(host: str, port: int, app: str, keys: list[str], clip: Clip, duration: float,
                       stagger: float = 2.0, log: bool = True,
                       on_started: asyncio.Event | None = None,
                       logs_out: list[StreamLog] | None = None) -> list[StreamLog]:
    """Connects every stream, then runs them all for `duration` seconds each.

    `logs_out`, when given, receives the streams' logs at once, to be read while they run.

    Stream starts are spread over `stagger` seconds so that keyframes (and segment cuts) of
    different streams do not all fall on the same instant, as with independent broadcasters.
    """
    pubs = [StreamPublisher(host, port, app, k, clip, log) for k in keys]
    if logs_out is not None:
        logs_out.extend(p.log for p in pubs)
    await asyncio.gather(*(p.connect() for p in pubs))
    rng = random.Random(len(keys))
    offsets = sorted(rng.uniform(0, stagger) for _ in pubs) if len(pubs) > 1 else [0.0]

    async def one(p: StreamPublisher, delay: float) -> None:
        await asyncio.sleep(delay)
        await p.run(duration)

    tasks = [asyncio.create_task(one(p, d)) for p, d in zip(pubs, offsets)]
    if on_started is not None:
        on_started.set()
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*(p.close() for p in pubs), return_exceptions=True)
    return [p.log for p in pubs]
