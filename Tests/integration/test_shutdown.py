"""Graceful shutdown: SIGTERM while a stream plays and blocking playlist requests wait.

The waiting requests are answered (200, the final playlist with EXT-X-ENDLIST), the
publisher is let go, the listeners close, and weir exits 0 within 10 s.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import threading
import time

import pytest

import weirserver
from hlswalker import http_get, parse_media_playlist
from livestream import last_msn, wait_playlist
from weirserver import route_yaml

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path):
    weirserver.require_binary()
    srv = weirserver.WeirServer(tmp_path / "weir", {"10-live.yaml": route_yaml()},
                                srt_port=weirserver.free_udp_port())
    try:
        srv.start()
        yield srv
    finally:
        if srv.alive():
            srv.stop()  # only when the test did not get as far as its own SIGTERM
        elif srv in weirserver.LIVE:
            weirserver.LIVE.remove(srv)


@pytest.mark.time_limit(90)
def test_sigterm_drains(server, source, procs):
    srv = server
    pub = procs.publish("ffmpeg", source("long").path, srv.rtmp_url("live/sd"))
    urls = {t: srv.url(f"live/sd/{t}.m3u8") for t in ("video", "audio")}
    pl = wait_playlist(urls["video"], lambda p: len(p.segments) >= 2, timeout=30)
    # Requests for parts two segments ahead: held until the drain releases them.
    target = last_msn(pl) + 2
    results: dict[str, object] = {}

    def wait(name: str, url: str):
        results[name] = http_get(url, timeout=30)

    jobs = {
        "video part": f"{urls['video']}?_HLS_msn={target}&_HLS_part=0",
        "audio part": f"{urls['audio']}?_HLS_msn={target}&_HLS_part=0",
        "video segment": f"{urls['video']}?_HLS_msn={target}",
    }
    threads = [threading.Thread(target=wait, args=(n, u)) for n, u in jobs.items()]
    for t in threads:
        t.start()
    time.sleep(0.5)
    assert all(t.is_alive() for t in threads), f"blocking requests answered before the shutdown: {results}"

    since = srv.log_size()
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    try:
        rc = srv.proc.wait(10)
    except subprocess.TimeoutExpired:
        rc = None
    took = time.monotonic() - t0
    for t in threads:
        t.join(15)

    log = srv.log_text()[since:]
    assert rc == 0, f"weir exit status {rc} (None: still running 10 s after SIGTERM):\n{log}"
    problems = []
    for name in jobs:
        r = results.get(name)
        if r is None:
            problems.append(f"{name}: no answer")
        elif r.status != 200:
            problems.append(f"{name}: {r.brief()} after {r.elapsed:.2f} s")
        else:
            got = parse_media_playlist(r.text)
            if not got.endlist:
                problems.append(f"{name}: released without EXT-X-ENDLIST:\n{r.text}")
            if got.preload_hints:
                problems.append(f"{name}: preload hint in the final playlist")
            if got.trailing_parts:
                problems.append(f"{name}: parts of an unfinished segment after ENDLIST")
    assert not problems, "\n".join(problems) + f"\nlog:\n{log}"
    for phase in ("server draining", "server stopped"):
        assert phase in log, f"no '{phase}' in the log:\n{log}"
    # The publisher was disconnected and its publish ended.
    try:
        pub.wait(10)
    except subprocess.TimeoutExpired:
        pytest.fail("ffmpeg still publishing 10 s after the server exited")
    assert "stream=live/sd" in log and "stream ended" in log, log
    # Nothing listens any more.
    for port in (srv.http_port, srv.rtmp_port):
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still accepts after exit"
    print(f"drained and exited in {took:.2f} s")
