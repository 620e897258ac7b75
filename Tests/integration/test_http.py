"""HTTP contract details: health, errors, CORS, HEAD/OPTIONS, traversal, old epochs, eviction."""

from __future__ import annotations

import socket
import urllib.parse

import pytest

from hlswalker import IMMUTABLE, SHORT, cache_directives, http_get, http_request
from livestream import playlist, start_live, wait_playlist
from weirserver import route_yaml

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(weir_factory):
    # live/* as usual, and short/* with a tiny window so eviction is quick to reach.
    return weir_factory({"10-live.yaml": route_yaml(),
                         "20-short.yaml": route_yaml(name="short", match="short/*", segment="1s", window=6)})


@pytest.fixture(scope="module")
def live(server, source, module_procs):
    src = source("long")
    # Start the eviction stream first: it needs time to move its window.
    module_procs.publish("ffmpeg", src.path, server.rtmp_url("short/evict"))
    proc, pl = start_live(module_procs, server, src, "http")
    return server, pl


def raw_get(server, path: str) -> tuple[int, str]:
    """Sends the path byte for byte (no client-side normalisation); returns (status, head)."""
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while len(data) < 65536:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    status = int(head.split(" ", 2)[1]) if head.startswith("HTTP/") else 0
    return status, head


def assert_cors(r):
    assert r.header("access-control-allow-origin") == "*", r.headers
    expose = {h.strip().lower() for h in r.header("access-control-expose-headers").split(",")}
    assert {"content-length", "content-type"} <= expose, r.headers


def test_healthz(server):
    r = http_get(server.url("/healthz"))
    assert r.status == 200 and r.body == b"ok\n", r.brief()
    assert r.header("content-type").replace(" ", "").lower() == "text/plain;charset=utf-8", r.headers
    assert cache_directives(r.header("cache-control")) == {"no-store"}, r.headers
    assert_cors(r)


@pytest.mark.parametrize("path", ["/live/nope/index.m3u8", "/live/nope/video.m3u8", "/other/x/index.m3u8",
                                  "/live/http/nope.m3u8", "/nothing", "/live/http/video/zzzzzzzz/init-0.mp4",
                                  "/live/http/video/zzzzzzzz/0.m4s", "/live/http/video/zzzzzzzz/0.0.m4s"])
def test_unknown_is_404(live, path):
    server, _ = live
    r = http_get(server.url(path))
    assert r.status == 404, r.brief()
    assert r.header("content-type").lower().startswith("text/plain"), r.headers
    assert cache_directives(r.header("cache-control")) == {"no-store"}, r.headers
    assert_cors(r)


@pytest.mark.parametrize("path", [
    "/live/http/../http/index.m3u8", "/live//http/index.m3u8", "/live/%2e%2e/live/http/index.m3u8",
    "/live/http/%2e%2e/http/index.m3u8", "/live/http/video/..%2f..%2f..%2fetc%2fpasswd",
    "/live/http\\..\\http/index.m3u8", "/%2e%2e/%2e%2e/etc/passwd", "/live/ht%00tp/index.m3u8",
    "/live/h%20ttp/index.m3u8", "/../../../../etc/passwd",
])
def test_traversal_refused(live, path):
    server, _ = live
    status, head = raw_get(server, path)
    assert status in (400, 404), f"{path}: {head}"


def test_options_preflight(live):
    server, _ = live
    r = http_request(server.url("/live/http/index.m3u8"), "OPTIONS",
                     headers={"Origin": "http://example.test", "Access-Control-Request-Method": "GET"})
    assert r.status == 204, r.brief()
    assert r.header("access-control-allow-origin") == "*", r.headers
    methods = {m.strip() for m in r.header("access-control-allow-methods").split(",")}
    assert methods == {"GET", "HEAD", "OPTIONS"}, r.headers
    assert r.header("access-control-allow-headers") == "*", r.headers


def test_head_matches_get(live):
    server, pl = live
    url = server.url("live/http/video.m3u8")
    seg = urllib.parse.urljoin(url, pl.segments[0].uri)
    g = http_get(seg)
    h = http_request(seg, "HEAD")
    assert g.status == 200 and h.status == 200, (g.brief(), h.brief())
    assert h.body == b"", "HEAD returned a body"
    assert h.header("content-length") == str(len(g.body)), (h.headers, len(g.body))
    assert h.header("content-type") == g.header("content-type")
    assert cache_directives(h.header("cache-control")) == cache_directives(IMMUTABLE)
    hp = http_request(url, "HEAD")
    assert hp.status == 200 and hp.body == b"" and hp.header("content-type").startswith("application/vnd.apple.mpegurl")
    assert cache_directives(hp.header("cache-control")) == cache_directives(SHORT)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_refused(live, method):
    """Playlists are read-only: 405 (or 404, the contract does not pin it), never a success."""
    server, _ = live
    r = http_request(server.url("/live/http/index.m3u8"), method)
    assert r.status in (404, 405), r.brief()
    assert cache_directives(r.header("cache-control")) == {"no-store"}, r.headers
    assert_cors(r)


def test_media_headers(live):
    server, pl = live
    url = server.url("live/http/video.m3u8")
    for uri in (pl.segments[0].map_uri, pl.segments[-1].uri, pl.segments[-1].parts[0].uri if pl.segments[-1].parts else None):
        if uri is None:
            continue
        r = http_get(urllib.parse.urljoin(url, uri))
        assert r.status == 200, r.brief()
        assert r.header("content-type") == "video/mp4", r.headers
        assert cache_directives(r.header("cache-control")) == cache_directives(IMMUTABLE), r.headers
        assert_cors(r)
    r, apl = playlist(server.url("live/http/audio.m3u8"))
    assert apl is not None, r.brief()
    a = http_get(urllib.parse.urljoin(r.url, apl.segments[0].map_uri))
    assert a.status == 200 and a.header("content-type") == "audio/mp4", a.headers


@pytest.mark.time_limit(120)
def test_evicted_segment_is_404(live):
    """window: 6 — once the window has moved well past segment 0, segment 0 and its parts are gone."""
    server, _ = live
    url = server.url("short/evict/video.m3u8")
    first = wait_playlist(url, lambda p: bool(p.segments), timeout=30)
    seg0 = urllib.parse.urljoin(url, first.segments[0].uri)
    assert first.segments[0].msn == first.media_sequence
    pl = wait_playlist(url, lambda p: p.media_sequence >= first.segments[0].msn + 9, timeout=90)
    assert len(pl.segments) <= 6 + 1, f"window: 6 but {len(pl.segments)} segments listed:\n{pl.text}"
    r = http_get(seg0)
    assert r.status == 404, r.brief()
