"""Limits: each one exceeded is refused (and logged, and counted) while existing streams go on.

Three servers run their scenarios at once:

- "pubs": limits.max_publishers 2. live/a and live/b play; a third publisher is refused;
  once live/b unpublishes, a publisher is accepted again.
- "bitrate": a route cap/* with max_bitrate 200k; a ~600 kbit/s publisher there is cut
  off within seconds while live/a beside it plays on.
- "conns": RTMP max_connections_per_address 3 and handshake_timeout 2s; HTTP
  max_connections_per_address 4, idle_timeout 5s, max_request_target 1024. live/s plays
  through all of it.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field

import pytest

import rtmpclient
import weirserver
from hlswalker import http_get
from livestream import last_msn, playlist, wait_playlist
from weirserver import metric, route_yaml

pytestmark = pytest.mark.server

MEDIA = "long"  # 640x360, about 600 kbit/s with audio; 60 s
MAX_BITRATE = "200k"
HANDSHAKE_TIMEOUT = 2.0
HTTP_IDLE = 5.0  # long enough that a busy machine does not close the held connections early
MAX_TARGET = 1024


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = weirserver.ServerPool(tmp_path_factory, "limits")
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


def publish_status(srv, app: str, name: str, close: bool = True):
    c = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        _, status = c.start_publish(app, name)
        return (status or {}).get("code", "no onStatus")
    except (OSError, ConnectionError, TimeoutError) as e:
        return f"{type(e).__name__}: {e}"
    finally:
        if close:
            c.close()


def closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Reads until the peer closes or `seconds` pass; (closed, bytes read)."""
    sock.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionError:
            return True, data
        if not chunk:
            return True, data
        data += chunk
    return False, data


def advancing(srv, path: str, since_msn: int, timeout: float = 10.0) -> str | None:
    """None if the stream's playlist lists a segment after since_msn within the timeout."""
    try:
        wait_playlist(srv.url(f"{path}/video.m3u8"), lambda p: bool(p.segments) and p.segments[-1].msn > since_msn,
                      timeout=timeout)
        return None
    except AssertionError as e:
        return str(e)


# ---------------------------------------------------------------- publishers and bitrate


@dataclass
class Pubs:
    third: str = ""
    after_one_left: str = ""
    live_alive: bool = False
    live_advancing: str | None = "not checked"
    metrics: dict = field(default_factory=dict)
    error: str = ""


def run_pubs(pool, src, procs, out: Pubs) -> None:
    srv = pool.start({"10-live.yaml": route_yaml()}, main_extra="limits: { max_publishers: 2 }")
    a = procs.publish("ffmpeg", src.path, srv.rtmp_url("live/a"))
    b = procs.publish("ffmpeg", src.path, srv.rtmp_url("live/b"))
    pl = wait_playlist(srv.url("live/a/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)
    wait_playlist(srv.url("live/b/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)
    mark = last_msn(pl)
    out.third = publish_status(srv, "live", "c")
    procs.stop(b)  # SIGTERM: a clean unpublish frees its place
    wait_playlist(srv.url("live/b/video.m3u8"), lambda p: p.endlist, timeout=10)
    out.after_one_left = publish_status(srv, "live", "d")
    out.live_alive = a.poll() is None
    out.live_advancing = advancing(srv, "live/a", mark + 1)
    out.metrics = srv.metrics()
    procs.stop(a)


@dataclass
class Bitrate:
    cap_exit: int | None = None
    cap_log: str = ""
    cap_ended: bool = False
    bitrate_logged: bool = False
    server_problem: str = ""
    live_alive: bool = False
    live_advancing: str | None = "not checked"
    metrics: dict = field(default_factory=dict)
    error: str = ""


def run_bitrate(tmp_factory, src, procs, out: Bitrate) -> None:
    # A pool of its own: a crash here is this scenario's finding, not a teardown error.
    pool = weirserver.ServerPool(tmp_factory, "limits-bitrate")
    try:
        srv = pool.start({"10-live.yaml": route_yaml(),
                          "20-cap.yaml": route_yaml(name="cap", match="cap/*", extra=f"max_bitrate: {MAX_BITRATE}")})
        live = procs.publish("ffmpeg", src.path, srv.rtmp_url("live/a"))
        pl = wait_playlist(srv.url("live/a/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)
        mark = last_msn(pl)
        cap = procs.publish("ffmpeg", src.path, srv.rtmp_url("cap/x"))
        try:
            out.cap_exit = cap.wait(20)
        except subprocess.TimeoutExpired:
            procs.stop(cap)
        out.cap_log = procs.log(cap)
        out.bitrate_logged = srv.wait_log(r"disconnecting publisher: ingest bitrate \d+ kbit/s is over the route's "
                                          r"max_bitrate 200 kbit/s", timeout=2) is not None
        # A crash shows in the log at once; its backtrace then takes seconds: end the process.
        if srv.wait_log(r"Fatal error|Fatal access conflict|💣|Crash", timeout=2) is not None:
            out.server_problem = f"weir crashed:\n{srv.log_tail(40)}"
            srv.proc.kill()
            srv.proc.wait(10)
            return
        if not srv.alive():
            out.server_problem = f"weir exited with {srv.proc.returncode}:\n{srv.log_tail(40)}"
            return
        try:
            wait_playlist(srv.url("cap/x/video.m3u8"), lambda p: p.endlist, timeout=5)
            out.cap_ended = True
        except AssertionError:
            pass
        out.live_alive = live.poll() is None
        out.live_advancing = advancing(srv, "live/a", mark + 1)
        out.metrics = srv.metrics()
        procs.stop(live)
    finally:
        problems = pool.stop_all()
        if problems and not out.server_problem:
            out.server_problem = "\n".join(problems)


# ---------------------------------------------------------------- connections


@dataclass
class Conns:
    srv: weirserver.WeirServer | None = None
    rtmp_fourth_closed: bool = False
    rtmp_fourth_answer: bytes = b""
    rtmp_refusal_logged: bool = False
    held_still_open: bool = False
    silent_closed: bool = False
    silent_closed_after: float = 0.0
    silent_answer: bytes = b""
    status_long: int = 0
    status_short: int = 0
    http_fifth_closed: bool = False
    http_fifth_answer: bytes = b""
    http_idle_closed: bool = False
    playlist_after: str | None = "not checked"
    live_alive: bool = False
    live_advancing: str | None = "not checked"
    metrics: dict = field(default_factory=dict)
    error: str = ""


def run_conns(pool, src, procs, out: Conns) -> None:
    srv = pool.start({"10-live.yaml": route_yaml()},
                     rtmp_extra=f"max_connections_per_address: 3, handshake_timeout: {HANDSHAKE_TIMEOUT:g}s",
                     http_extra=f"max_connections_per_address: 4, idle_timeout: {HTTP_IDLE:g}s, "
                                f"max_request_target: {MAX_TARGET}")
    out.srv = srv
    live = procs.publish("ffmpeg", src.path, srv.rtmp_url("live/s"))  # RTMP connection 1
    pl = wait_playlist(srv.url("live/s/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)
    mark = last_msn(pl)

    # RTMP: two more connections, handshaken and idle, make three; a fourth is closed at once.
    held = [rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port) for _ in range(2)]
    try:
        for c in held:
            c.handshake()
        since = srv.log_size()
        with socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5) as s:
            try:
                s.sendall(b"\x03" + bytes(1536))  # C0+C1: an accepted connection answers S0 at once
            except OSError:
                pass
            out.rtmp_fourth_closed, out.rtmp_fourth_answer = closed_within(s, HANDSHAKE_TIMEOUT * 3)
        out.rtmp_refusal_logged = srv.wait_log(r"RTMP connection refused: too many connections from this address",
                                               since=since, timeout=3) is not None
        # One slot freed; a connection that never sends a byte is closed by the handshake timeout,
        # while the handshaken one stays.
        held[0].close()
        time.sleep(0.5)
        with socket.create_connection(("127.0.0.1", srv.rtmp_port), timeout=5) as s:
            t0 = time.monotonic()
            out.silent_closed, out.silent_answer = closed_within(s, HANDSHAKE_TIMEOUT + 8)
            out.silent_closed_after = time.monotonic() - t0
        out.held_still_open = not held[1].closed
    finally:
        for c in held:
            c.close()

    # HTTP: a request target over the limit is 414; one under it is an ordinary 404.
    out.status_long = http_get(srv.url("live/s/" + "x" * (MAX_TARGET + 100) + ".m3u8")).status
    out.status_short = http_get(srv.url("live/s/" + "x" * (MAX_TARGET - 200) + ".m3u8")).status
    # Four idle connections from this address are the most; a fifth is closed without an answer.
    idle = [socket.create_connection(("127.0.0.1", srv.http_port), timeout=5) for _ in range(4)]
    try:
        time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", srv.http_port), timeout=5) as s:
            try:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            except OSError:
                pass
            out.http_fifth_closed, out.http_fifth_answer = closed_within(s, HTTP_IDLE)
        # Those four sent nothing: the idle timeout closes them.
        out.http_idle_closed = all(closed_within(s, HTTP_IDLE + 6)[0] for s in idle)
    finally:
        for s in idle:
            s.close()
    r, _ = playlist(srv.url("live/s/video.m3u8"))
    out.playlist_after = None if r.status == 200 else r.brief()
    out.live_alive = live.poll() is None
    out.live_advancing = advancing(srv, "live/s", mark + 1)
    out.metrics = srv.metrics()
    procs.stop(live)


@pytest.fixture(scope="module")
def scenarios(pool, source, module_procs, tmp_path_factory):
    weirserver.require_binary()
    src = source(MEDIA)
    pubs, bitrate, conns = Pubs(), Bitrate(), Conns()

    def guarded(fn, first, out):
        try:
            fn(first, src, module_procs, out)
        except Exception as e:  # noqa: BLE001 - reported by the tests
            import traceback
            out.error = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"

    threads = [threading.Thread(target=guarded, args=(run_pubs, pool, pubs)),
               threading.Thread(target=guarded, args=(run_bitrate, tmp_path_factory, bitrate)),
               threading.Thread(target=guarded, args=(run_conns, pool, conns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return pubs, bitrate, conns


# ---------------------------------------------------------------- max_publishers, max_bitrate


def test_max_publishers(scenarios):
    pubs, _, _ = scenarios
    assert not pubs.error, pubs.error
    assert pubs.third == "NetStream.Publish.Rejected", f"third publisher with max_publishers 2: {pubs.third}"
    assert pubs.after_one_left == "NetStream.Publish.Start", f"publisher after one left: {pubs.after_one_left}"
    assert metric(pubs.metrics, "weir_publish_refusals_total", reason="publishers") == 1, pubs.metrics


def test_existing_stream_unaffected_by_publisher_limit(scenarios):
    pubs, _, _ = scenarios
    assert not pubs.error, pubs.error
    assert pubs.live_alive, "live/a's publisher was disconnected"
    assert pubs.live_advancing is None, pubs.live_advancing
    assert metric(pubs.metrics, "weir_stream_sessions_total", stream="live/a") == 1


def test_max_bitrate(scenarios):
    _, b, _ = scenarios
    assert not b.error, b.error
    assert b.cap_exit is not None, f"the {MAX_BITRATE} route's publisher was not cut off within 20 s"
    assert b.cap_exit != 0, f"cap/x's ffmpeg exited 0:\n{b.cap_log}"
    assert b.bitrate_logged, "no 'disconnecting publisher: ingest bitrate' line"
    assert not b.server_problem, b.server_problem
    assert b.cap_ended, "cap/x's playlist did not end"
    assert metric(b.metrics, "weir_publish_refusals_total", reason="bitrate") == 1, b.metrics
    # The stream beside it carries on.
    assert b.live_alive, "live/a's publisher was disconnected"
    assert b.live_advancing is None, b.live_advancing


# ---------------------------------------------------------------- RTMP connections


def test_rtmp_connections_per_address(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.rtmp_fourth_closed, "a fourth RTMP connection from 127.0.0.1 stayed open"
    assert c.rtmp_fourth_answer == b"", f"the refused connection got a handshake answer: {c.rtmp_fourth_answer[:16]!r}"
    assert c.rtmp_refusal_logged, "no 'RTMP connection refused' log line"


def test_rtmp_handshake_timeout(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.silent_closed, f"a connection that sent nothing was still open after {c.silent_closed_after:.1f} s"
    assert c.silent_answer == b"", c.silent_answer[:16]
    # It was accepted (not refused at once) and closed by the timeout.
    assert c.silent_closed_after >= HANDSHAKE_TIMEOUT / 2, f"closed after {c.silent_closed_after:.2f} s"
    assert c.held_still_open, "the handshaken idle connection was closed too"


def test_rtmp_connection_refusals_counted_in_metrics(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    counters = {k: v for k, v in c.metrics.items() if "rtmp" in k[0] and "refused" in k[0]}
    assert counters and sum(counters.values()) >= 1, sorted({k[0] for k in c.metrics})


# ---------------------------------------------------------------- HTTP


def test_http_request_target_limit(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.status_long == 414, f"{MAX_TARGET + 100}-byte-plus path: {c.status_long}"
    assert c.status_short == 404, f"path under the limit: {c.status_short}"


def test_http_414_counted_in_metrics(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert metric(c.metrics, "weir_http_requests_total", status="414") == 1, \
        {k: v for k, v in c.metrics.items() if k[0] == "weir_http_requests_total"}


def test_http_connections_per_address(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.http_fifth_closed, "a fifth HTTP connection from 127.0.0.1 stayed open"
    assert c.http_fifth_answer == b"", f"the refused connection was answered: {c.http_fifth_answer[:80]!r}"
    assert metric(c.metrics, "weir_http_refused_connections_total") == 1, c.metrics


def test_http_idle_timeout(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.http_idle_closed, f"idle HTTP connections open {HTTP_IDLE + 6:.0f} s after the {HTTP_IDLE:g} s idle timeout"


def test_existing_stream_unaffected_by_connection_limits(scenarios):
    _, _, c = scenarios
    assert not c.error, c.error
    assert c.playlist_after is None, c.playlist_after
    assert c.live_alive, "live/s's publisher was disconnected"
    assert c.live_advancing is None, c.live_advancing
