"""RTMP protocol details over raw sockets: commands, refusals, chunk-stream corners, bad input.

Bad-input tests run while an ffmpeg publisher streams live/bg, and each asserts that
its playlist keeps advancing afterwards.
"""

from __future__ import annotations

import os
import socket
import struct
import time

import pytest

import hlswalker
import rtmpclient as rc
from hlswalker import HLSWalker
from livestream import playlist, start_live, wait_playlist

pytestmark = pytest.mark.server

BAD_NAME = "NetStream.Publish.BadName"


@pytest.fixture(scope="module")
def bg(weir, source, module_procs):
    """ffmpeg streaming live/bg for the whole module."""
    proc, _ = start_live(module_procs, weir, source("long"), "bg")
    return proc


def client(weir, timeout: float = 10.0) -> rc.RtmpClient:
    return rc.RtmpClient("127.0.0.1", weir.rtmp_port, timeout)


def assert_bg_advancing(weir, bg_proc, what: str) -> None:
    """The background stream still produces parts: a blocking reload for the next one succeeds."""
    assert weir.alive(), f"weir died after {what}:\n{weir.log_tail()}"
    assert bg_proc.poll() is None, f"the background publisher stopped after {what}"
    url = weir.url("live/bg/video.m3u8")
    _, pl = playlist(url)
    assert pl is not None, f"live/bg playlist gone after {what}"
    for _ in range(2):
        m, p = pl.next_request()
        r = hlswalker.http_get(f"{url}?_HLS_msn={m}&_HLS_part={p}", timeout=15)
        assert r.status == 200, f"live/bg stalled after {what}: {r.brief()}"
        pl = hlswalker.parse_media_playlist(r.text)
        assert pl.satisfies(m, p), f"live/bg did not advance after {what}"


def status_code(info) -> str:
    return info.get("code", "") if isinstance(info, dict) else repr(info)


def refused(c: rc.RtmpClient, app: str, name: str) -> str:
    """Tries to publish; returns the onStatus code (or what happened instead)."""
    try:
        _, info = c.start_publish(app, name)
    except (OSError, ConnectionError) as e:
        return f"connection failed: {e}"
    if info is None:
        return "closed without onStatus" if c.closed else "no onStatus"
    return status_code(info)


def media_tags(source, name="small25"):
    return rc.read_flv(source(name).path)


# ---------------------------------------------------------------- commands


def test_publish_accepted(weir):
    c = client(weir)
    try:
        c.handshake()
        res = c.connect("live")
        assert res is not None and res[0] == "_result", f"connect: {res!r}"
        info = res[3] if len(res) > 3 else {}
        assert isinstance(info, dict) and info.get("code") == "NetConnection.Connect.Success", res
        sid = c.create_stream()
        assert isinstance(sid, float) and sid > 0, f"createStream: {sid!r}"
        st = c.publish(int(sid), "accepted")
        assert st is not None and st.get("code") == "NetStream.Publish.Start", f"publish: {st!r} {c.commands()}"
        assert st.get("level") == "status", st
    finally:
        c.close()


def test_amf3_wrapped_commands_accepted(weir):
    """Message type 17 (AMF3 command with an AMF0 body after a zero byte), as Flash-era clients send."""
    c = client(weir)
    try:
        sid, info = c.start_publish("live", "amf3cmd", amf3=True)
        assert status_code(info) == "NetStream.Publish.Start", f"{info!r}; got {c.commands()}"
    finally:
        c.close()


def test_unrouted_path_refused(weir):
    c = client(weir)
    try:
        code = refused(c, "other", "x")
        # An app that no route can match may also be turned away at connect.
        assert code == BAD_NAME or ("connect answered" in code and "NetConnection.Connect.Rejected" in code), code
    finally:
        c.close()


def test_empty_key_refused(weir):
    c = client(weir)
    try:
        assert refused(c, "live", "") == BAD_NAME, c.commands()
    finally:
        c.close()


@pytest.mark.parametrize("name", ["../x", "..", "a b", "x/../../etc", "a\\b", "a%2fb", "caf\u00e9", "a\x00b"])
def test_unsafe_key_refused(weir, name):
    c = client(weir)
    try:
        assert refused(c, "live", name) == BAD_NAME, c.commands()
    finally:
        c.close()


def test_busy_path_refused(weir, source):
    tags = media_tags(source)
    first = client(weir)
    second = client(weir)
    try:
        sid, info = first.start_publish("live", "busy")
        assert status_code(info) == "NetStream.Publish.Start", info
        rc.stream_tags(first, sid, [t for t in tags if t.timestamp < 400], speed=4)
        assert refused(second, "live", "busy") == BAD_NAME, second.commands()
        # The first publisher is unaffected.
        assert not first.closed, first.close_reason
        rc.stream_tags(first, sid, [t for t in tags if 400 <= t.timestamp < 800], speed=4)
        assert not first.closed, first.close_reason
    finally:
        first.close()
        second.close()


def test_connect_with_non_string_app_rejected(weir):
    c = client(weir)
    try:
        c.handshake()
        res = c.connect(5.0)
        if res is None:
            assert c.wait_closed(10), f"neither a reply nor a close: {c.commands()}"
        else:
            assert res[0] == "_error", res
            info = res[3] if len(res) > 3 else {}
            assert status_code(info) == "NetConnection.Connect.Rejected", res
    finally:
        c.close()


@pytest.mark.time_limit(60)
def test_query_on_key_is_stripped(weir, source):
    """publish "tok?token=abc" is stream path live/tok; the HLS URL has no query."""
    tags = media_tags(source)
    c = client(weir)
    try:
        sid, info = c.start_publish("live", "tok?token=abc")
        assert status_code(info) == "NetStream.Publish.Start", info
        rc.stream_tags(c, sid, tags, speed=2)
        wait_playlist(weir.url("live/tok/video.m3u8"), lambda p: bool(p.all_parts()), timeout=10)
    finally:
        c.close()


@pytest.mark.time_limit(60)
def test_query_on_key_is_stripped_ffmpeg(weir, source, procs):
    proc = procs.publish("ffmpeg", source("small25").path, weir.rtmp_url("live/tok2?token=abc"))
    try:
        wait_playlist(weir.url("live/tok2/video.m3u8"), lambda p: bool(p.all_parts()), timeout=15)
    finally:
        procs.stop(proc)


# ---------------------------------------------------------------- chunk stream


def walk_raw_publish(weir, source, key: str, send, tmp_path):
    """Runs send(client, stream_id) as a publish on live/KEY under the strict walker, then checks
    the output against the source frame by frame (so every timestamp must have been read right)."""
    src = source("small25")
    walker = HLSWalker(weir.http_base, f"live/{key}", deadline=40, label=key).start()
    c = client(weir)
    try:
        sid, info = c.start_publish("live", key)
        assert status_code(info) == "NetStream.Publish.Start", info
        send(c, sid)
        c.unpublish(sid, key)
        time.sleep(0.2)
    finally:
        c.close()
    walker.join()
    walker.check()
    files = walker.assemble(tmp_path / "out")
    kinds = {n: walker.track_kind(n) for n in files}
    errs = hlswalker.compare_with_source(files, kinds, src, key)
    assert not errs, "\n".join(errs)


@pytest.mark.time_limit(90)
def test_type3_chunk_starting_new_message_reuses_delta(weir, source, tmp_path):
    """Video messages padded to one length: type 0 (sequence header), type 1, type 2, then type 3
    headers only; each type-3 message is 40 ms after the previous one."""
    padded = rc.equal_length_video(media_tags(source))
    video = [t for t in padded if t.is_video and not t.is_sequence_header]
    deltas = {b.timestamp - a.timestamp for a, b in zip(video, video[1:])}
    assert deltas == {40} and len({len(t.data) for t in video}) == 1, f"deltas {deltas}"

    def header(tag, n):
        if not tag.is_video:
            return None
        return {0: 0, 1: 1, 2: 2}.get(n, 3)

    def send(c, sid):
        c.send_metadata(sid, rc.DEFAULT_METADATA, wrong_count=0)
        rc.stream_tags(c, sid, padded, speed=1.5, header=header)

    walk_raw_publish(weir, source, "type3", send, tmp_path)


@pytest.mark.time_limit(90)
def test_extended_timestamps_in_type3_chunks(weir, source, tmp_path):
    """Timestamps cross 0xFFFFFF; every message is type 0 and spans many 128-byte chunks whose
    type-3 continuation headers repeat the 4-byte extended timestamp."""
    tags = media_tags(source)
    base = 0xFFFFFF - 1500

    def send(c, sid):
        c.send_metadata(sid, rc.DEFAULT_METADATA, wrong_count=1000)
        rc.stream_tags(c, sid, tags, speed=1.5, ts_base=base, header=lambda tag, n: 0)

    walk_raw_publish(weir, source, "extts", send, tmp_path)


@pytest.mark.time_limit(60)
def test_acknowledgement_after_client_window(weir, source):
    window = 65536
    tags = media_tags(source)
    c = client(weir)
    try:
        c.handshake()
        c.window_ack_size(window)
        assert c.connect("live")[0] == "_result"
        sid = int(c.create_stream())
        assert status_code(c.publish(sid, "ack")) == "NetStream.Publish.Start"
        c.set_chunk_size(4096)
        rc.stream_tags(c, sid, tags, speed=4)
        sent = c.bytes_sent
        want = sent // window - 1
        c.wait_for(lambda m: False, timeout=1.0)
        acks = [struct.unpack(">I", m.payload[:4])[0] for m in c.messages if m.type == rc.MSG_ACK]
        assert len(acks) >= max(want, 1), f"{len(acks)} acknowledgements for {sent} bytes at window {window}: {acks}"
        assert acks == sorted(acks) and acks[-1] <= sent, f"acks {acks}, sent {sent}"
        assert acks[0] >= window - 4096, f"first ack at {acks[0]}, window {window}"
    finally:
        c.close()


# ---------------------------------------------------------------- bad input


def expect_close(sock: socket.socket, timeout: float = 10.0) -> bool:
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return True
        if not data:
            return True
    return False


def test_garbage_handshake_closed(weir, bg):
    with socket.create_connection(("127.0.0.1", weir.rtmp_port), timeout=10) as s:
        s.sendall(b"\xff" + os.urandom(1536 * 2) + b"GET / HTTP/1.1\r\n\r\n")
        assert expect_close(s), "server kept a connection with version byte 0xff open"
    with socket.create_connection(("127.0.0.1", weir.rtmp_port), timeout=10) as s:
        s.sendall(b"\x03" + os.urandom(700))  # then vanish mid-handshake
    assert_bg_advancing(weir, bg, "garbage handshakes")


@pytest.mark.parametrize("size", [0, 0x80000000])
def test_invalid_chunk_size_closed(weir, bg, size):
    c = client(weir)
    try:
        c.handshake()
        c.set_chunk_size(size, apply=False)
        c.command("connect", {"app": "live", "tcUrl": "rtmp://127.0.0.1/live"})
        assert c.wait_closed(10), f"chunk size {size:#x} accepted: {c.commands()}"
    finally:
        c.close()
    assert_bg_advancing(weir, bg, f"chunk size {size:#x}")


def test_huge_chunk_size_is_safe(weir, bg):
    """0x7fffffff is legal on the wire but absurd: close, or carry on correctly; never allocate it."""
    c = client(weir)
    try:
        c.handshake()
        c.set_chunk_size(0x7FFFFFFF)
        res = c.connect("live")
        if res is not None:
            assert res[0] == "_result", res
            assert c.create_stream() is not None, c.commands()
        else:
            assert c.wait_closed(10), "no answer and no close"
    finally:
        c.close()
    assert_bg_advancing(weir, bg, "chunk size 0x7fffffff")


def test_truncated_amf_command(weir, bg):
    """A command whose AMF0 ends mid-value gets _error or a close, or is ignored; the server survives."""
    c = client(weir)
    try:
        c.handshake()
        assert c.connect("live")[0] == "_result"
        body = rc.amf0_encode("createStream", 2.0)[:-3]  # number cut short
        c.send_message(3, rc.MSG_COMMAND_AMF0, 0, 0, body)
        body = b"\x02\x00\xc8createSt"  # a string announcing 200 bytes, 8 present
        c.send_message(3, rc.MSG_COMMAND_AMF0, 0, 0, body)
        c.wait_for(lambda m: False, timeout=1.0)
        if not c.closed:
            errors = [v for v in c.commands() if v and v[0] == "_error"]
            ok = c.create_stream()
            assert errors or ok is not None or c.closed, f"connection wedged: {c.commands()}"
    finally:
        c.close()
    c = client(weir)
    try:
        c.handshake()
        c.send_message(3, rc.MSG_COMMAND_AMF0, 0, 0, b"\x02\x00\x07conn")  # truncated connect
        c.wait_for(lambda m: False, timeout=1.0)
    finally:
        c.close()
    assert_bg_advancing(weir, bg, "truncated AMF commands")


def test_disconnect_mid_message(weir, bg, source):
    c = client(weir)
    try:
        sid, info = c.start_publish("live", "midmsg")
        assert status_code(info) == "NetStream.Publish.Start"
        tags = [t for t in media_tags(source) if t.timestamp < 500]
        rc.stream_tags(c, sid, tags, speed=8)
        # Announce a 100000-byte video message, send its first 100 bytes, and vanish.
        c.send_raw(rc.basic_header(0, 6) + (2000).to_bytes(3, "big") + (100000).to_bytes(3, "big")
                   + bytes([rc.MSG_VIDEO]) + struct.pack("<I", sid) + b"\x27\x01" + os.urandom(98))
    finally:
        c.close()
    assert_bg_advancing(weir, bg, "a publisher vanishing mid-message")
    # The path is free again for a new publisher (the server may need a moment to notice).
    code = ""
    for _ in range(20):
        c = client(weir)
        try:
            code = refused(c, "live", "midmsg")
        finally:
            c.close()
        if code == "NetStream.Publish.Start":
            break
        time.sleep(0.5)
    assert code == "NetStream.Publish.Start", f"path still busy after the publisher vanished: {code}"


def test_unrouted_publish_does_not_disturb(weir, bg):
    c = client(weir)
    try:
        refused(c, "other", "y")
    finally:
        c.close()
    assert_bg_advancing(weir, bg, "a publish to an unrouted path")
