"""The SRT listener is open only while a route takes SRT, and a reload opens and closes it.

libsrt's receive thread wakes a hundred times a second even with nobody connected, so a server
whose routes take only RTMP does not pay for it.
"""

from __future__ import annotations


import pytest

import weirserver
from weirserver import route_yaml, udp_bound, wait_until

pytestmark = pytest.mark.server


def test_listener_follows_the_routes_across_reloads(tmp_path):
    weirserver.require_binary()
    port = weirserver.free_udp_port()
    srv = weirserver.WeirServer(tmp_path, {"10-live.yaml": route_yaml(ingest="[rtmp]")}, srt_port=port)
    try:
        srv.start()
        assert srv.wait_log(r"SRT listener not opened: no route takes srt")
        assert not udp_bound(port)

        since = srv.log_size()
        srv.route_file("10-live.yaml").write_text(route_yaml(ingest="[rtmp, srt]"))
        srv.reload()
        assert srv.wait_log(r"reload: SRT listener opened on", since), srv.log_tail()
        assert wait_until(lambda: udp_bound(port))

        since = srv.log_size()
        srv.route_file("10-live.yaml").write_text(route_yaml(ingest="[rtmp]"))
        srv.reload()
        assert srv.wait_log(r"reload: SRT listener closed: no route takes srt", since), srv.log_tail()
        assert wait_until(lambda: not udp_bound(port))
        assert srv.alive()
    finally:
        srv.stop()
    assert not srv.exit_problem, srv.log_tail()
