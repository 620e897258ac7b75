"""A small RTMP client for protocol tests: handshake, chunk stream, AMF0, FLV tags.

The chunk writer lets a test choose the header type of every message, so it can
send what real clients send (type-3 chunks that start a new message, extended
timestamps repeated in continuation chunks) and what broken ones send.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------- AMF0


class AMF0Error(Exception):
    pass


class ECMAArray(dict):
    """A dict that encodes as an AMF0 ECMA array (marker 0x08) instead of an object."""


class _Undefined:
    def __repr__(self) -> str:
        return "Undefined"


Undefined = _Undefined()


@dataclass(frozen=True)
class AMFDate:
    millis: float
    timezone: int = 0


def amf0_encode(*values) -> bytes:
    return b"".join(_encode_one(v) for v in values)


def _encode_string_body(s: str) -> bytes:
    raw = s.encode("utf-8")
    if len(raw) > 0xFFFF:
        raise AMF0Error("short string longer than 65535 bytes")
    return struct.pack(">H", len(raw)) + raw


def _encode_pairs(d: dict) -> bytes:
    out = b""
    for k, v in d.items():
        out += _encode_string_body(str(k)) + _encode_one(v)
    return out + b"\x00\x00\x09"


def _encode_one(v) -> bytes:
    if isinstance(v, bool):
        return b"\x01" + (b"\x01" if v else b"\x00")
    if isinstance(v, (int, float)):
        return b"\x00" + struct.pack(">d", float(v))
    if isinstance(v, str):
        raw = v.encode("utf-8")
        if len(raw) > 0xFFFF:
            return b"\x0c" + struct.pack(">I", len(raw)) + raw
        return b"\x02" + _encode_string_body(v)
    if v is None:
        return b"\x05"
    if v is Undefined:
        return b"\x06"
    if isinstance(v, ECMAArray):
        return b"\x08" + struct.pack(">I", len(v)) + _encode_pairs(v)
    if isinstance(v, dict):
        return b"\x03" + _encode_pairs(v)
    if isinstance(v, (list, tuple)):
        return b"\x0a" + struct.pack(">I", len(v)) + b"".join(_encode_one(x) for x in v)
    if isinstance(v, AMFDate):
        return b"\x0b" + struct.pack(">dh", v.millis, v.timezone)
    raise AMF0Error(f"cannot encode {type(v).__name__}")


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise AMF0Error(f"truncated: need {n} bytes at {self.pos}, have {len(self.data) - self.pos}")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def u32(self) -> int:
        return struct.unpack(">I", self.take(4))[0]


def amf0_decode_all(data: bytes) -> list:
    r = _Reader(data)
    out = []
    while r.pos < len(data):
        out.append(_decode_one(r, 0))
    return out


def _decode_pairs(r: _Reader, depth: int, into: dict) -> dict:
    while True:
        key = r.take(r.u16()).decode("utf-8", "replace")
        if key == "":
            marker = r.u8()
            if marker != 0x09:
                raise AMF0Error(f"expected object end marker, got 0x{marker:02x}")
            return into
        into[key] = _decode_one(r, depth + 1)


def _decode_one(r: _Reader, depth: int):
    if depth > 64:
        raise AMF0Error("nesting too deep")
    marker = r.u8()
    if marker == 0x00:
        return struct.unpack(">d", r.take(8))[0]
    if marker == 0x01:
        return r.u8() != 0
    if marker == 0x02:
        return r.take(r.u16()).decode("utf-8", "replace")
    if marker == 0x03:
        return _decode_pairs(r, depth, {})
    if marker == 0x05:
        return None
    if marker == 0x06:
        return Undefined
    if marker == 0x08:
        r.u32()  # The count is advisory; encoders get it wrong, the end marker is authoritative.
        return _decode_pairs(r, depth, ECMAArray())
    if marker == 0x0A:
        n = r.u32()
        if n > len(r.data):
            raise AMF0Error(f"strict array count {n} exceeds the message size")
        return [_decode_one(r, depth + 1) for _ in range(n)]
    if marker == 0x0B:
        millis, tz = struct.unpack(">dh", r.take(10))
        return AMFDate(millis, tz)
    if marker == 0x0C:
        return r.take(r.u32()).decode("utf-8", "replace")
    if marker == 0x10:
        r.take(r.u16())
        return _decode_pairs(r, depth, {})
    raise AMF0Error(f"unsupported AMF0 marker 0x{marker:02x}")


# ---------------------------------------------------------------- chunk stream

MSG_SET_CHUNK_SIZE = 1
MSG_ABORT = 2
MSG_ACK = 3
MSG_USER_CONTROL = 4
MSG_WINDOW_ACK_SIZE = 5
MSG_SET_PEER_BANDWIDTH = 6
MSG_AUDIO = 8
MSG_VIDEO = 9
MSG_DATA_AMF3 = 15
MSG_COMMAND_AMF3 = 17
MSG_DATA_AMF0 = 18
MSG_COMMAND_AMF0 = 20

EXT = 0xFFFFFF


@dataclass
class Message:
    csid: int
    type: int
    stream_id: int
    timestamp: int
    payload: bytes

    def amf(self) -> list:
        body = self.payload
        if self.type in (MSG_COMMAND_AMF3, MSG_DATA_AMF3):
            body = body[1:]
        return amf0_decode_all(body)


def basic_header(fmt: int, csid: int) -> bytes:
    if 2 <= csid <= 63:
        return bytes([(fmt << 6) | csid])
    if 64 <= csid <= 319:
        return bytes([fmt << 6, csid - 64])
    if 320 <= csid <= 65599:
        v = csid - 64
        return bytes([(fmt << 6) | 1, v & 0xFF, v >> 8])
    raise ValueError(f"chunk stream id {csid} out of range")


@dataclass
class _WriteState:
    timestamp: int = 0
    delta: int | None = None
    length: int = 0
    type: int = 0
    stream_id: int = 0
    extended: bool = False
    started: bool = False


class ChunkWriter:
    """Splits messages into chunks; the caller may pick the header type of each message."""

    def __init__(self, chunk_size: int = 128):
        self.chunk_size = chunk_size
        self.state: dict[int, _WriteState] = {}

    def auto_fmt(self, csid: int, msg_type: int, stream_id: int, timestamp: int, length: int) -> int:
        st = self.state.get(csid)
        if st is None or not st.started or stream_id != st.stream_id or timestamp < st.timestamp:
            return 0
        if length != st.length or msg_type != st.type:
            return 1
        if timestamp - st.timestamp != st.delta:
            return 2
        return 3

    def encode(self, csid: int, msg_type: int, stream_id: int, timestamp: int, payload: bytes,
               fmt: int | None = None) -> bytes:
        if fmt is None:
            fmt = self.auto_fmt(csid, msg_type, stream_id, timestamp, len(payload))
        st = self.state.setdefault(csid, _WriteState())
        if fmt != 0 and not st.started:
            raise ValueError("the first message on a chunk stream needs a type-0 header")
        delta = timestamp - st.timestamp
        if fmt != 0 and delta < 0:
            raise ValueError("a delta header cannot go backwards")
        if fmt >= 2 and (len(payload) != st.length or msg_type != st.type):
            raise ValueError("type 2/3 headers reuse the previous length and type")
        if fmt >= 1 and stream_id != st.stream_id:
            raise ValueError("only type 0 headers carry a stream id")
        if fmt == 3 and st.delta is None:
            raise ValueError("a type-3 message right after a type-0 header has no defined delta")
        if fmt == 3 and delta != st.delta:
            raise ValueError(f"type 3 reuses delta {st.delta}, message needs {delta}")

        out = bytearray(basic_header(fmt, csid))
        if fmt == 0:
            field_value = timestamp
        elif fmt in (1, 2):
            field_value = delta
        else:
            field_value = None
        if field_value is not None:
            extended = field_value >= EXT
            out += struct.pack(">I", min(field_value, EXT))[1:]
            if fmt <= 1:
                out += struct.pack(">I", len(payload))[1:] + bytes([msg_type])
            if fmt == 0:
                out += struct.pack("<I", stream_id)
            if extended:
                out += struct.pack(">I", field_value)
            st.extended = extended
            ext_value = field_value
        else:
            ext_value = st.delta
            if st.extended:
                out += struct.pack(">I", ext_value)
        if fmt == 0:
            # A type-0 header carries an absolute time: the delta that a following
            # type-3 message would reuse is ambiguous (implementations differ), so
            # a type-1 or type-2 header must come first.
            st.delta = None
        elif fmt in (1, 2):
            st.delta = delta
        st.timestamp = timestamp
        st.length = len(payload)
        st.type = msg_type
        st.stream_id = stream_id
        st.started = True

        first = payload[:self.chunk_size]
        out += first
        pos = len(first)
        while pos < len(payload):
            out += basic_header(3, csid)
            if st.extended:
                out += struct.pack(">I", ext_value)
            out += payload[pos:pos + self.chunk_size]
            pos += self.chunk_size
        return bytes(out)


@dataclass
class _ReadState:
    timestamp: int = 0
    delta: int = 0
    length: int = 0
    type: int = 0
    stream_id: int = 0
    extended: bool = False
    buf: bytearray = field(default_factory=bytearray)
    has_header: bool = False


class ChunkError(Exception):
    pass


class ChunkReader:
    """Incremental chunk-stream parser (for what the server sends, and for self-tests)."""

    MAX_MESSAGE = 16 * 1024 * 1024

    def __init__(self, chunk_size: int = 128):
        self.chunk_size = chunk_size
        self.buf = bytearray()
        self.state: dict[int, _ReadState] = {}

    def feed(self, data: bytes) -> list[Message]:
        self.buf += data
        out: list[Message] = []
        while True:
            msg, consumed = self._one()
            if consumed == 0:
                return out
            del self.buf[:consumed]
            if msg is not None:
                if msg.type == MSG_SET_CHUNK_SIZE and len(msg.payload) >= 4:
                    size = struct.unpack(">I", msg.payload[:4])[0] & 0x7FFFFFFF
                    if size < 1:
                        raise ChunkError("peer set chunk size 0")
                    self.chunk_size = size
                out.append(msg)

    def _one(self) -> tuple[Message | None, int]:
        b = self.buf
        if not b:
            return None, 0
        fmt = b[0] >> 6
        csid = b[0] & 0x3F
        pos = 1
        if csid == 0:
            if len(b) < 2:
                return None, 0
            csid = b[1] + 64
            pos = 2
        elif csid == 1:
            if len(b) < 3:
                return None, 0
            csid = b[1] + (b[2] << 8) + 64
            pos = 3
        size = {0: 11, 1: 7, 2: 3, 3: 0}[fmt]
        if len(b) < pos + size:
            return None, 0
        st = self.state.get(csid)
        if st is None:
            if fmt != 0:
                raise ChunkError(f"chunk stream {csid} starts with a type-{fmt} header")
            st = _ReadState()
        new_message = not st.buf
        field_value = None
        length, mtype, sid = st.length, st.type, st.stream_id
        if fmt <= 2:
            field_value = int.from_bytes(b[pos:pos + 3], "big")
        if fmt <= 1:
            length = int.from_bytes(b[pos + 3:pos + 6], "big")
            mtype = b[pos + 6]
        if fmt == 0:
            sid = struct.unpack("<I", b[pos + 7:pos + 11])[0]
        pos += size
        extended = st.extended if fmt == 3 else (field_value == EXT)
        ext_value = None
        if extended:
            if len(b) < pos + 4:
                return None, 0
            ext_value = struct.unpack(">I", b[pos:pos + 4])[0]
            pos += 4
        if fmt == 3 and not new_message:
            remaining = st.length - len(st.buf)
        else:
            if length > self.MAX_MESSAGE:
                raise ChunkError(f"message length {length} too large")
            remaining = length
        take = min(remaining, self.chunk_size)
        if len(b) < pos + take:
            return None, 0
        # The chunk is complete: commit the header state.
        self.state[csid] = st
        if fmt == 0:
            ts = ext_value if extended else field_value
            st.delta = 0
            st.timestamp = ts
        elif fmt in (1, 2):
            d = ext_value if extended else field_value
            st.delta = d
            st.timestamp = (st.timestamp + d) & 0xFFFFFFFF
        elif new_message:
            st.timestamp = (st.timestamp + st.delta) & 0xFFFFFFFF
        if fmt != 3:
            st.extended = extended
        st.length, st.type, st.stream_id = length, mtype, sid
        st.buf += b[pos:pos + take]
        pos += take
        if len(st.buf) >= st.length:
            msg = Message(csid, st.type, st.stream_id, st.timestamp, bytes(st.buf))
            st.buf = bytearray()
            return msg, pos
        return None, pos


# ---------------------------------------------------------------- FLV


@dataclass
class FlvTag:
    type: int
    timestamp: int
    data: bytes

    @property
    def is_video(self) -> bool:
        return self.type == 9

    @property
    def is_audio(self) -> bool:
        return self.type == 8

    @property
    def is_sequence_header(self) -> bool:
        return self.type in (8, 9) and len(self.data) > 1 and self.data[1] == 0

    @property
    def is_keyframe(self) -> bool:
        return self.type == 9 and len(self.data) > 0 and (self.data[0] >> 4) == 1


def read_flv(path: Path) -> list[FlvTag]:
    data = Path(path).read_bytes()
    if data[:3] != b"FLV":
        raise ValueError(f"{path} is not an FLV file")
    pos = struct.unpack(">I", data[5:9])[0] + 4
    tags = []
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | (data[pos + 7] << 24)
        body = data[pos + 11:pos + 11 + size]
        if len(body) < size:
            break
        tags.append(FlvTag(ttype, ts, body))
        pos += 11 + size + 4
    return tags


def equal_length_video(tags: list[FlvTag], slack: int = 8) -> list[FlvTag]:
    """Sequence headers and audio as they are, every AVC frame padded to one length (so each
    video message can go with a type-3 header); other tags (end of sequence) dropped."""
    frames = [t for t in tags if t.is_video and len(t.data) > 4 and t.data[1] == 1]
    length = max(len(t.data) for t in frames) + slack
    out = []
    for t in tags:
        if t.is_audio or (t.is_video and t.is_sequence_header):
            out.append(t)
        elif t.is_video and len(t.data) > 4 and t.data[1] == 1:
            out.append(FlvTag(t.type, t.timestamp, pad_avc_tag(t.data, length)))
    return out


def pad_avc_tag(body: bytes, length: int) -> bytes:
    """Pads an AVC NALU video tag to exactly `length` bytes with a filler-data NAL unit."""
    gap = length - len(body)
    if gap == 0:
        return body
    if gap < 6 or len(body) < 5 or body[1] != 1:
        raise ValueError(f"cannot pad a {len(body)}-byte tag to {length}")
    nal = b"\x0c" + b"\xff" * (gap - 6) + b"\x80"
    return body + struct.pack(">I", len(nal)) + nal


# ---------------------------------------------------------------- client


class RtmpClient:
    """One RTMP connection; a reader thread collects what the server sends."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        self.writer = ChunkWriter()
        self.reader = ChunkReader()
        self.messages: list[Message] = []
        self.cond = threading.Condition()
        self.closed = False
        self.close_reason = ""
        self.bytes_sent = 0
        self.bytes_received = 0
        self.txn = 1.0
        self._thread: threading.Thread | None = None
        self.tc_url = ""

    # -- raw I/O

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.bytes_sent += len(data)

    def _recv_exact(self, n: int, deadline: float) -> bytes:
        out = bytearray()
        while len(out) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"handshake: got {len(out)} of {n} bytes")
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError(f"closed during handshake after {len(out)} of {n} bytes")
            out += chunk
        self.bytes_received += n
        return bytes(out)

    def handshake(self) -> None:
        """Simple (non-digest) handshake, then starts the reader thread."""
        c1 = struct.pack(">II", 0, 0) + os.urandom(1528)
        self.send_raw(b"\x03" + c1)
        deadline = time.monotonic() + self.timeout
        s0 = self._recv_exact(1, deadline)
        if s0 != b"\x03":
            raise ConnectionError(f"S0 is {s0!r}")
        s1 = self._recv_exact(1536, deadline)
        s2 = self._recv_exact(1536, deadline)
        if s2[8:] != c1[8:]:
            raise ConnectionError("S2 does not echo C1")
        self.send_raw(s1)
        self.start_reader()

    def start_reader(self) -> None:
        self._thread = threading.Thread(target=self._read_loop, daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        # select() rather than a short socket timeout: the timeout would apply to the
        # sender's sendall() on the same socket too.
        ack_window = 0
        acked = 0
        try:
            while not self.closed:
                ready, _, _ = select.select([self.sock], [], [], 0.25)
                if not ready:
                    continue
                data = self.sock.recv(65536)
                if not data:
                    self._mark_closed("EOF")
                    return
                self.bytes_received += len(data)
                msgs = self.reader.feed(data)
                for m in msgs:
                    if m.type == MSG_WINDOW_ACK_SIZE and len(m.payload) >= 4:
                        ack_window = struct.unpack(">I", m.payload[:4])[0]
                    elif m.type == MSG_USER_CONTROL and len(m.payload) >= 6:
                        event = struct.unpack(">H", m.payload[:2])[0]
                        if event == 6:  # PingRequest -> PingResponse
                            self.send_message(2, MSG_USER_CONTROL, 0, 0, struct.pack(">H", 7) + m.payload[2:6])
                if ack_window and self.bytes_received - acked >= ack_window:
                    acked = self.bytes_received
                    self.send_message(2, MSG_ACK, 0, 0, struct.pack(">I", acked & 0xFFFFFFFF))
                if msgs:
                    with self.cond:
                        self.messages.extend(msgs)
                        self.cond.notify_all()
        except (OSError, ChunkError) as e:
            self._mark_closed(f"{type(e).__name__}: {e}")

    def _mark_closed(self, reason: str) -> None:
        with self.cond:
            if not self.closed:
                self.closed = True
                self.close_reason = reason
            self.cond.notify_all()

    def close(self) -> None:
        self._mark_closed("closed by client")
        try:
            self.sock.close()
        except OSError:
            pass

    # -- messages

    def send_message(self, csid: int, msg_type: int, stream_id: int, timestamp: int, payload: bytes,
                     fmt: int | None = None) -> None:
        self.send_raw(self.writer.encode(csid, msg_type, stream_id, timestamp, payload, fmt))

    def set_chunk_size(self, size: int, apply: bool = True) -> None:
        self.send_message(2, MSG_SET_CHUNK_SIZE, 0, 0, struct.pack(">I", size & 0xFFFFFFFF))
        if apply:
            self.writer.chunk_size = size

    def window_ack_size(self, size: int) -> None:
        self.send_message(2, MSG_WINDOW_ACK_SIZE, 0, 0, struct.pack(">I", size))

    def command(self, name: str, *args, stream_id: int = 0, csid: int = 3, amf3: bool = False,
                txn: float | None = None) -> float:
        if txn is None:
            txn = self.txn
            self.txn += 1
        body = amf0_encode(name, txn, *args)
        if amf3:
            self.send_message(csid, MSG_COMMAND_AMF3, stream_id, 0, b"\x00" + body)
        else:
            self.send_message(csid, MSG_COMMAND_AMF0, stream_id, 0, body)
        return txn

    def wait_for(self, pred, timeout: float | None = None) -> Message | None:
        """Returns the first received message matching pred, or None on timeout or close."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        seen = 0
        with self.cond:
            while True:
                for m in self.messages[seen:]:
                    if pred(m):
                        return m
                seen = len(self.messages)
                if self.closed:
                    return None
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(min(left, 0.25))

    def wait_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not self.closed and time.monotonic() < deadline:
                self.cond.wait(0.1)
            return self.closed

    def commands(self) -> list[list]:
        out = []
        with self.cond:
            msgs = list(self.messages)
        for m in msgs:
            if m.type in (MSG_COMMAND_AMF0, MSG_COMMAND_AMF3):
                try:
                    out.append(m.amf())
                except AMF0Error as e:
                    out.append(["<undecodable>", str(e)])
        return out

    def wait_command(self, names: set[str], txn: float | None = None, timeout: float | None = None):
        """Waits for a command named in names (and with transaction id txn, if given); returns its values."""
        def pred(m: Message) -> bool:
            if m.type not in (MSG_COMMAND_AMF0, MSG_COMMAND_AMF3):
                return False
            try:
                v = m.amf()
            except AMF0Error:
                return False
            return bool(v) and v[0] in names and (txn is None or (len(v) > 1 and v[1] == txn))
        m = self.wait_for(pred, timeout)
        return m.amf() if m else None

    def wait_status(self, timeout: float | None = None) -> dict | None:
        """Waits for an onStatus and returns its info object."""
        v = self.wait_command({"onStatus"}, timeout=timeout)
        if v is None:
            return None
        info = v[3] if len(v) > 3 else None
        return info if isinstance(info, dict) else {"code": repr(info)}

    # -- the usual publish sequence

    def connect(self, app, tc_url: str | None = None, amf3: bool = False, extra: dict | None = None):
        obj = {"app": app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; weir-tests)",
               "tcUrl": tc_url if tc_url is not None else f"rtmp://127.0.0.1/{app}"}
        if extra:
            obj.update(extra)
        txn = self.command("connect", obj, amf3=amf3)
        return self.wait_command({"_result", "_error"}, txn=txn)

    def create_stream(self, amf3: bool = False) -> float | None:
        txn = self.command("createStream", None, amf3=amf3)
        v = self.wait_command({"_result", "_error"}, txn=txn)
        if v is None or v[0] != "_result" or len(v) < 4:
            return None
        return v[3]

    def publish(self, stream_id: int, name: str, amf3: bool = False, timeout: float | None = None) -> dict | None:
        self.command("releaseStream", None, name, amf3=amf3)
        self.command("FCPublish", None, name, amf3=amf3)
        self.command("publish", None, name, "live", stream_id=stream_id, csid=8, amf3=amf3, txn=0)
        return self.wait_status(timeout)

    def start_publish(self, app: str, name: str, amf3: bool = False) -> tuple[int, dict | None]:
        """handshake + connect + createStream + publish; returns (stream id, onStatus info)."""
        self.handshake()
        res = self.connect(app, amf3=amf3)
        if res is None or res[0] != "_result":
            return 0, {"code": f"connect answered {res!r}"}
        sid = self.create_stream(amf3=amf3)
        if sid is None:
            return 0, {"code": "createStream failed"}
        return int(sid), self.publish(int(sid), name, amf3=amf3)

    def send_metadata(self, stream_id: int, meta: dict, csid: int = 5, wrong_count: int | None = None) -> None:
        """@setDataFrame onMetaData with an ECMA array; wrong_count writes a bogus element count
        (encoders do), which a parser must survive by reading to the end marker."""
        body = amf0_encode("@setDataFrame", "onMetaData", ECMAArray(meta))
        if wrong_count is not None:
            head = amf0_encode("@setDataFrame", "onMetaData")
            body = head + b"\x08" + struct.pack(">I", wrong_count) + body[len(head) + 5:]
        self.send_message(csid, MSG_DATA_AMF0, stream_id, 0, body, fmt=0)

    def unpublish(self, stream_id: int, name: str) -> None:
        self.command("FCUnpublish", None, name)
        self.command("deleteStream", None, float(stream_id))


DEFAULT_METADATA = {"duration": 0.0, "width": 320.0, "height": 240.0, "framerate": 25.0,
                    "videocodecid": 7.0, "audiocodecid": 10.0, "audiosamplerate": 48000.0,
                    "stereo": True, "encoder": "weir-tests", "nested": {"a": 1.0, "b": [1.0, "x"]}}


def stream_tags(client: RtmpClient, stream_id: int, tags: list[FlvTag], *, speed: float = 1.0,
                ts_base: int = 0, header=None, video_csid: int = 6, audio_csid: int = 4,
                max_seconds: float = 60.0) -> None:
    """Sends FLV audio/video tags paced at `speed` x real time.

    header(tag, n) picks the chunk header type of the n-th message on that tag's chunk
    stream (None = the writer's choice)."""
    counts = {video_csid: 0, audio_csid: 0}
    media = [t for t in tags if t.type in (8, 9)]
    if not media:
        return
    first = media[0].timestamp
    t0 = time.monotonic()
    for tag in media:
        due = (tag.timestamp - first) / 1000.0 / speed
        wait = due - (time.monotonic() - t0)
        if wait > 0:
            time.sleep(wait)
        if time.monotonic() - t0 > max_seconds:
            raise TimeoutError("stream_tags ran too long")
        csid = video_csid if tag.is_video else audio_csid
        fmt = header(tag, counts[csid]) if header else None
        counts[csid] += 1
        client.send_message(csid, tag.type, stream_id, ts_base + tag.timestamp, tag.data, fmt)
