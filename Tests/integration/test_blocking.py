"""Blocking playlist reload (_HLS_msn/_HLS_part) and preload-hinted parts, as a table of cases."""

from __future__ import annotations

import signal
import threading
import time
import urllib.parse

import pytest

from hlswalker import (BLOCKING, IMMUTABLE, PLAYLIST_TYPE, URI_PART, cache_directives, http_get,
                       parse_media_playlist)
from livestream import last_msn, playlist, start_live, wait_playlist

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def live(weir, source, module_procs):
    """A long ffmpeg publish on live/blk, running for the whole module."""
    src = source("long")
    proc, _ = start_live(module_procs, weir, src, "blk", segments=2)
    return weir, proc


def blocking(url: str, msn, part=None, timeout: float = 20.0):
    q = f"_HLS_msn={msn}" + ("" if part is None else f"&_HLS_part={part}")
    r = http_get(f"{url}?{q}", timeout=timeout)
    return r, (parse_media_playlist(r.text) if r.status == 200 else None)


def assert_error(r, status: int):
    assert r.status == status, f"want {status}: {r.brief()}"
    assert r.header("content-type").lower().startswith("text/plain"), r.headers
    assert cache_directives(r.header("cache-control")) == {"no-store"}, r.headers
    assert r.header("access-control-allow-origin") == "*", r.headers


def has_part(pl, msn: int, idx: int) -> bool:
    return any((p.msn, p.index) == (msn, idx) for p in pl.all_parts())


@pytest.mark.parametrize("track", ["video", "audio"])
def test_next_part_arrives(live, track):
    """Five reloads in a row, each asking for the part after the last one listed, each get it."""
    weir, _ = live
    url = weir.url(f"live/blk/{track}.m3u8")
    _, pl = playlist(url)
    assert pl is not None
    for _ in range(5):
        m, p = pl.next_request()
        r, nxt = blocking(url, m, p)
        assert r.status == 200, r.brief()
        assert r.header("content-type").split(";")[0].strip() == PLAYLIST_TYPE
        assert cache_directives(r.header("cache-control")) == cache_directives(BLOCKING), r.headers
        seg = nxt.segment(m)
        if seg is not None and seg.parts and p >= len(seg.parts):
            m, p = m + 1, 0
        assert has_part(nxt, m, p), f"asked for {m}.{p}, got:\n{r.text}"
        pl = nxt


@pytest.mark.parametrize("query", ["_HLS_part=0", "_HLS_part=3"])
def test_part_without_msn_is_400(live, query):
    weir, _ = live
    assert_error(http_get(weir.url(f"live/blk/video.m3u8?{query}")), 400)


@pytest.mark.parametrize("query", ["_HLS_msn=abc", "_HLS_msn=-1", "_HLS_msn=1.5", "_HLS_msn=",
                                   "_HLS_msn=1&_HLS_part=-1", "_HLS_msn=1&_HLS_part=x"])
def test_malformed_directive_is_400(live, query):
    weir, _ = live
    assert_error(http_get(weir.url(f"live/blk/video.m3u8?{query}")), 400)


def test_msn_too_far_ahead_is_400(live):
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    # The contract's limit is last + 2; +4 leaves room for a segment closing meanwhile.
    r, _ = blocking(url, last_msn(pl) + 4, 0, timeout=5)
    assert_error(r, 400)
    r, _ = blocking(url, last_msn(pl) + 4, None, timeout=5)
    assert_error(r, 400)


def test_msn_two_ahead_is_held_then_answered(live):
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    m = last_msn(pl) + 2
    r, nxt = blocking(url, m, 0, timeout=20)
    assert r.status == 200, r.brief()
    assert has_part(nxt, m, 0), r.text


def test_part_beyond_advance_limit_is_400(live):
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    for m in (last_msn(pl), last_msn(pl) + 1):
        r, _ = blocking(url, m, 1000, timeout=5)
        assert_error(r, 400)


def test_part_past_last_means_next_segment(live):
    """P past the last part of segment M is part 0 of M+1, both for a finished and an open segment."""
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    done = [s for s in pl.segments if s.parts]
    assert done, pl.text
    n = len(done[-1].parts)
    # A finished segment: answered at once with part 0 of the next one listed.
    c = done[-1].msn
    r, nxt = blocking(url, c, n, timeout=10)
    assert r.status == 200, r.brief()
    assert has_part(nxt, c + 1, 0), f"asked {c}.{n} ({n} parts in {c}):\n{r.text}"
    # The open segment: held until it closes (about n parts) and the next one starts.
    max_parts = int(pl.target_duration / pl.part_target)
    p = n + 1
    if p >= max_parts:
        pytest.skip(f"segments have {n} parts, limit {max_parts}: no room to ask past the last part")
    _, pl = playlist(url)
    m = last_msn(pl)
    r, nxt = blocking(url, m, p, timeout=20)
    assert r.status == 200, r.brief()
    seg = nxt.segment(m)
    if seg is not None and seg.parts and len(seg.parts) > p:
        assert has_part(nxt, m, p), f"asked {m}.{p}:\n{r.text}"  # this segment was longer
    else:
        assert seg is not None, f"asked {m}.{p}; segment {m} still open in the answer:\n{r.text}"
        assert has_part(nxt, m + 1, 0), f"asked {m}.{p}:\n{r.text}"


def test_preload_hinted_part_waits_then_200(live):
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    hints = [h for h in pl.preload_hints if h.get("TYPE") == "PART"]
    assert hints, pl.text
    uri = hints[0]["URI"]
    r = http_get(urllib.parse.urljoin(url, uri), timeout=15)
    assert r.status == 200, r.brief()
    assert r.header("content-type").split(";")[0].strip() == "video/mp4", r.headers
    assert cache_directives(r.header("cache-control")) == cache_directives(IMMUTABLE), r.headers
    # Once listed, the same URI gives the same bytes.
    mm = URI_PART.match(uri)
    assert mm, uri
    msn, idx = int(mm.group(3)), int(mm.group(4))
    r2, nxt = blocking(url, msn, idx, timeout=10)
    assert r2.status == 200, r2.brief()
    listed = [p for p in nxt.all_parts() if p.uri == uri]
    if listed:
        again = http_get(urllib.parse.urljoin(url, uri))
        assert again.status == 200 and again.body == r.body, again.brief()
    else:
        # The hint named (M, k) but the segment closed first: then (M+1, 0) is what came.
        assert has_part(nxt, msn + 1, 0), nxt.text


def test_future_segment_waits_then_200(live):
    """A segment one ahead of the live edge is held until complete, not 404."""
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    m = last_msn(pl) + 1
    seg_uri = pl.segments[-1].uri.rsplit("/", 1)[0] + f"/{m}.m4s"
    r = http_get(urllib.parse.urljoin(url, seg_uri), timeout=20)
    assert r.status == 200, r.brief()
    r2, nxt = blocking(url, m, None, timeout=10)
    assert r2.status == 200 and nxt.segment(m) is not None, r2.brief()
    parts = nxt.segment(m).parts
    if parts:
        joined = b"".join(http_get(urllib.parse.urljoin(url, p.uri)).body for p in parts)
        assert joined == r.body, "segment fetched while pending differs from its parts joined"


def test_far_future_part_is_404(live):
    weir, _ = live
    url = weir.url("live/blk/video.m3u8")
    _, pl = playlist(url)
    prefix = pl.segments[-1].uri.rsplit("/", 1)[0]
    r = http_get(urllib.parse.urljoin(url, f"{prefix}/{last_msn(pl) + 6}.0.m4s"), timeout=15)
    assert r.status == 404, r.brief()


@pytest.mark.time_limit(90)
def test_held_too_long_is_503(weir, source, procs):
    """The publisher stalls (SIGSTOP, connection open): a request held 3 target durations gets 503."""
    proc, pl = start_live(procs, weir, source("long"), "stall")
    url = weir.url("live/stall/video.m3u8")
    proc.send_signal(signal.SIGSTOP)
    try:
        time.sleep(1.0)  # let what was in flight arrive
        _, pl = playlist(url)
        td = pl.target_duration
        m, p = pl.next_request()
        hint = [h["URI"] for h in pl.preload_hints if h.get("TYPE") == "PART"]
        results = {}

        def get_hint():
            results["hint"] = http_get(urllib.parse.urljoin(url, hint[0]), timeout=3 * td + 10)

        t = threading.Thread(target=get_hint)
        if hint:
            t.start()
        r, _ = blocking(url, m, p, timeout=3 * td + 10)
        if hint:
            t.join(3 * td + 15)
        assert_error(r, 503)
        if hint:
            assert_error(results["hint"], 503)
    finally:
        proc.send_signal(signal.SIGCONT)
        procs.stop(proc)


@pytest.mark.time_limit(90)
def test_publisher_leaving_releases_waiters_and_ends(weir, source, procs):
    """Waiters get the ENDLIST playlist when the publisher goes; afterwards directives are ignored."""
    proc, pl = start_live(procs, weir, source("long"), "leave")
    urls = {t: weir.url(f"live/leave/{t}.m3u8") for t in ("video", "audio")}
    target = last_msn(pl) + 2
    prefix = pl.segments[-1].uri.rsplit("/", 1)[0]
    results: dict[str, object] = {}

    def wait(name, fn):
        results[name] = fn()

    jobs = {
        "video-part": lambda: blocking(urls["video"], target, 0, timeout=30),
        "audio-part": lambda: blocking(urls["audio"], target, 0, timeout=30),
        "video-msn": lambda: blocking(urls["video"], target, None, timeout=30),
        "pending-part": lambda: (http_get(urllib.parse.urljoin(urls["video"], f"{prefix}/{target}.0.m4s"),
                                          timeout=30), None),
    }
    threads = [threading.Thread(target=wait, args=(n, f)) for n, f in jobs.items()]
    for t in threads:
        t.start()
    time.sleep(0.5)
    proc.kill()
    proc.wait(10)
    for t in threads:
        t.join(40)
    for name in ("video-part", "audio-part", "video-msn"):
        r, got = results[name]
        assert r.status == 200, f"{name}: {r.brief()}"
        assert got.endlist, f"{name} released without EXT-X-ENDLIST:\n{r.text}"
        assert not got.preload_hints, f"{name}: preload hint after ENDLIST:\n{r.text}"
    r, _ = results["pending-part"]
    assert r.status == 404, f"a part that will never exist, after the stream ended: {r.brief()}"
    # After ENDLIST, directives are ignored: answered at once with the final playlist.
    final = wait_playlist(urls["video"], lambda p: p.endlist, timeout=10)
    for m, p in ((final.next_msn, 0), (final.next_msn + 1, 0), (final.next_msn + 1, None)):
        r, got = blocking(urls["video"], m, p, timeout=8)
        assert r.status == 200, f"_HLS_msn={m} _HLS_part={p} after ENDLIST: {r.brief()}"
        assert got.endlist and got.next_msn == final.next_msn, r.text
