"""Publish authorisation (route keys, the on_publish hook) and signed playback URLs.

A small HTTP server on 127.0.0.1 plays the operator's hook: /deny answers 403, /ok 200,
/slow answers only after HOOK_SLOW seconds (beyond the route's 1 s timeout). Publishes are
made with the RTMP test client, which reports the exact onStatus code, and with ffmpeg.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import rtmpclient
import weirserver
from hlswalker import http_get, parse_media_playlist, parse_multivariant
from livestream import wait_playlist
from weirserver import metric, route_yaml

pytestmark = pytest.mark.server

KEYS = ["s3cret", "other-key"]
SECRET = "playback-secret"
HOOK_SLOW = 5.0
START = "NetStream.Publish.Start"
DENIED = "NetStream.Publish.Denied"


class Hook:
    """The on_publish endpoint: records every POST body by path."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0") or 0)
                raw = self.rfile.read(min(length, 65536))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unparsable": raw.decode(errors="replace")}
                with hook.lock:
                    hook.calls.append((self.path, body))
                if self.path == "/slow":
                    time.sleep(HOOK_SLOW)
                status = {"/deny": 403, "/ok": 200, "/slow": 200}.get(self.path, 404)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the server gave up waiting and closed the connection

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="hook", daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict]:
        with self.lock:
            return [b for p, b in self.calls if p == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = weirserver.ServerPool(tmp_path_factory, "auth")
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="module")
def server(pool, hook):
    weirserver.require_binary()
    closed_port = weirserver.free_port()  # nobody listens there

    def hooked(name: str, url: str, default: str = "deny") -> str:
        return route_yaml(name=name, match=f"{name}/*",
                          extra=f'auth: {{ on_publish: {{ url: "{url}", timeout: 1s, default: {default} }} }}')

    routes = {
        "10-keyed.yaml": route_yaml(name="keyed", match="keyed/*", extra=f"auth: {{ keys: [{', '.join(KEYS)}] }}"),
        "20-hookdeny.yaml": hooked("hookdeny", hook.url("/deny")),
        "21-hookok.yaml": hooked("hookok", hook.url("/ok")),
        "22-hookslow.yaml": hooked("hookslow", hook.url("/slow")),
        "23-hookslowallow.yaml": hooked("hookslowallow", hook.url("/slow"), default="allow"),
        "24-hookdown.yaml": hooked("hookdown", f"http://127.0.0.1:{closed_port}/x"),
        "25-both.yaml": route_yaml(name="both", match="both/*",
                                   extra=f'auth: {{ keys: [k1], on_publish: {{ url: "{hook.url("/ok")}" }} }}'),
        "30-signed.yaml": route_yaml(name="signed", match="signed/*", extra=f'playback: {{ secret: "{SECRET}" }}'),
        "40-open.yaml": route_yaml(name="open", match="open/*"),
    }
    return pool.start(routes)


def publish(srv, app: str, name: str) -> tuple[str, float, bool]:
    """(onStatus code, seconds until it came, whether the server then closed the connection)."""
    c = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port, timeout=15)
    try:
        t0 = time.monotonic()
        _, status = c.start_publish(app, name)
        elapsed = time.monotonic() - t0
        code = (status or {}).get("code", "no onStatus")
        closed = c.wait_closed(3) if code != START else False
        return code, elapsed, closed
    finally:
        c.close()


# Every case: (app, publish name) -> expected code. Run in parallel once per module.
CASES = {
    "wrong key": ("keyed", "wrong", DENIED),
    "missing key": ("keyed", "cam", DENIED),
    "wrong key query": ("keyed", "cam?key=wrong", DENIED),
    "key as stream key": ("keyed", "s3cret", START),
    "key as query": ("keyed", "cam?key=s3cret", START),
    "second key as query": ("keyed", "cam2?key=other-key", START),
    "hook refuses": ("hookdeny", "cam", DENIED),
    "hook allows": ("hookok", "cam", START),
    "hook times out, default deny": ("hookslow", "cam", DENIED),
    "hook times out, default allow": ("hookslowallow", "cam", START),
    "hook unreachable, default deny": ("hookdown", "cam", DENIED),
    "keys then hook: right key": ("both", "cam?key=k1", START),
    "keys then hook: wrong key": ("both", "cam?key=k2", DENIED),
    "no auth": ("open", "cam", START),
}


@pytest.fixture(scope="module")
def results(server):
    out: dict[str, tuple[str, float, bool]] = {}

    def one(name, app, key):
        try:
            out[name] = publish(server, app, key)
        except (OSError, ConnectionError, TimeoutError) as e:
            out[name] = (f"{type(e).__name__}: {e}", 0.0, False)

    threads = [threading.Thread(target=one, args=(n, app, key)) for n, (app, key, _) in CASES.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_publish_authorisation(results, case):
    app, key, want = CASES[case]
    code, elapsed, closed = results[case]
    assert code == want, f"{app}/{key}: {code}, want {want}"
    if want == DENIED:
        assert closed, f"{app}/{key}: refused but the connection stayed open"


def test_hook_timeout_is_enforced(results):
    """The timed-out hook's publish is answered at the 1 s timeout, not when the hook answers."""
    for case in ("hook times out, default deny", "hook times out, default allow"):
        _, elapsed, _ = results[case]
        assert elapsed < HOOK_SLOW - 0.5, f"{case}: answered after {elapsed:.2f} s; the hook takes {HOOK_SLOW} s"


def test_hook_receives_publish_details(results, hook):
    bodies = hook.bodies("/ok")
    ok = [b for b in bodies if b.get("stream") == "hookok/cam"]
    assert ok, bodies
    b = ok[0]
    assert b.get("app") == "hookok" and b.get("key") == "cam" and b.get("ingest") == "rtmp", b
    assert str(b.get("remote_address", "")).startswith("127.0.0.1"), b
    # The keys are checked first: a wrong key never reaches the hook; the right one does.
    both = [x.get("stream") for x in bodies if str(x.get("stream", "")).startswith("both/")]
    assert both == ["both/cam"], both
    assert [x.get("query") for x in bodies if x.get("stream") == "both/cam"] == [{"key": "k1"}]


def test_refusals_counted(results, server):
    refused = sum(1 for app, key, want in CASES.values() if want == DENIED)
    m = server.metrics()
    assert metric(m, "weir_publish_refusals_total", reason="unauthorized") == refused, \
        {k: v for k, v in m.items() if k[0] == "weir_publish_refusals_total"}


def test_ffmpeg_with_wrong_key_fails(server, source, procs, results):
    p = procs.publish("ffmpeg", source("bframes").path, server.rtmp_url("keyed/cam?key=nope"))
    rc = p.wait(20)
    assert rc != 0, procs.log(p)
    r = http_get(server.url("keyed/cam/index.m3u8"))
    assert r.status == 404, r.brief()


def test_ffmpeg_with_key_query_publishes(server, source, procs, results):
    """rtmp://HOST/keyed/live1?key=s3cret: the stream path is keyed/live1 and it plays."""
    p = procs.publish("ffmpeg", source("bframes").path, server.rtmp_url("keyed/live1?key=s3cret"))
    try:
        pl = wait_playlist(server.url("keyed/live1/video.m3u8"), lambda q: len(q.segments) >= 1, timeout=20)
    except AssertionError as e:
        raise AssertionError(f"{e}\nffmpeg rc={p.poll()}:\n{procs.log(p)}") from None
    assert pl.segments
    # A route without a playback secret serves its playlists to anyone.
    r = http_get(server.url("keyed/live1/index.m3u8"))
    assert r.status == 200, r.brief()


# ---------------------------------------------------------------- signed playback


def token(path: str, expires: int, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed(expires: int, tok: str) -> str:
    return f"expires={expires}&token={tok}"


@pytest.fixture(scope="module")
def signed_stream(server, source, module_procs):
    p = module_procs.publish("ffmpeg", source("long").path, server.rtmp_url("signed/cam"))
    expires = int(time.time()) + 600
    q = signed(expires, token("signed/cam", expires))
    try:
        wait_playlist(server.url(f"signed/cam/video.m3u8?{q}"), lambda pl: len(pl.segments) >= 1, timeout=30)
    except AssertionError as e:
        raise AssertionError(f"{e}\nffmpeg rc={p.poll()}:\n{module_procs.log(p)}") from None
    yield server, expires, q
    module_procs.stop(p)


def forbidden(r) -> str | None:
    if r.status != 403:
        return f"{r.brief()} (want 403)"
    if not r.header("content-type").lower().startswith("text/plain") or r.header("cache-control") != "no-store":
        return f"403 with headers {r.headers}"
    if r.header("access-control-allow-origin") != "*":
        return f"403 without CORS: {r.headers}"
    return None


@pytest.mark.parametrize("playlist", ["index.m3u8", "video.m3u8", "audio.m3u8"])
def test_signed_playlists_refused_without_valid_token(signed_stream, playlist):
    srv, expires, _ = signed_stream
    now = int(time.time())
    good = token("signed/cam", expires)
    bad_digit = ("0" if good[0] != "0" else "1") + good[1:]
    cases = {
        "no query": "",
        "no token": f"expires={expires}",
        "no expires": f"token={good}",
        "bad token": signed(expires, bad_digit),
        "token for another stream": signed(expires, token("signed/other", expires)),
        "token for another expiry": signed(expires + 1, good),
        "other secret": signed(expires, token("signed/cam", expires, "not-the-secret")),
        "expired": signed(now - 60, token("signed/cam", now - 60)),
        "expires not a number": f"expires=soon&token={good}",
    }
    problems = []
    for what, query in cases.items():
        url = srv.url(f"signed/cam/{playlist}" + (f"?{query}" if query else ""))
        p = forbidden(http_get(url))
        if p:
            problems.append(f"{what}: {p}")
    assert not problems, "\n".join(problems)


def test_signed_multivariant_passes_token_on(signed_stream):
    srv, expires, q = signed_stream
    r = http_get(srv.url(f"signed/cam/index.m3u8?{q}"))
    assert r.status == 200, r.brief()
    mv = parse_multivariant(r.text)
    uris = mv.playlist_uris()
    assert len(uris) == 2, r.text
    for uri in uris:
        u = urllib.parse.urlsplit(uri)
        params = dict(urllib.parse.parse_qsl(u.query))
        assert params == {"expires": str(expires), "token": token("signed/cam", expires)}, f"{uri} in\n{r.text}"
        got = http_get(urllib.parse.urljoin(srv.url("signed/cam/index.m3u8"), uri))
        assert got.status == 200, got.brief()


def test_signed_media_unsigned_segments(signed_stream):
    """Media playlists with the token list segment, part and map URIs without it; they fetch without it."""
    srv, _, q = signed_stream
    base = srv.url("signed/cam/video.m3u8")
    r = http_get(f"{base}?{q}")
    assert r.status == 200, r.brief()
    pl = parse_media_playlist(r.text)
    assert pl.segments, r.text
    uris = [pl.segments[-1].uri, pl.segments[-1].map_uri] + [p.uri for p in pl.all_parts()[-3:]]
    for uri in uris:
        assert uri and "?" not in uri and "token" not in uri, f"{uri!r} in\n{r.text}"
        got = http_get(urllib.parse.urljoin(base, uri))
        assert got.status == 200, got.brief()
    # Rendition reports name the other playlist as the multivariant does, token included.
    assert pl.rendition_reports, r.text
    for rr in pl.rendition_reports:
        assert rr.get("URI") == f"audio.m3u8?{q}", f"{rr} in\n{r.text}"
    # Blocking reloads work with the token too.
    m, part = pl.next_request()
    got = http_get(f"{base}?{q}&_HLS_msn={m}&_HLS_part={part}", timeout=20)
    assert got.status == 200, got.brief()

