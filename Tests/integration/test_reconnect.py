"""Broadcaster reconnect and stale-session takeover.

Route rc/* keeps an event open for 10 s after its publisher's connection drops and lets a
new publisher take over a session silent for 2 s. Four scenarios run at once on one server:

- reconnect (rc/cam): ffmpeg is killed with SIGKILL mid-segment (its TCP connection closes
  without FCUnpublish) and a new ffmpeg publishes the same path 2 s later. Viewers must see
  one event: one epoch, a media sequence that carries on, a discontinuity, no error or 404.
- takeover (rc/stale): while publisher A sends, a second publisher is refused (BadName);
  A is stopped with SIGSTOP; before takeover_after a newcomer is still refused, after it
  publisher B takes over and A's connection is closed (A fails once continued).
- edge (rc/edge) and reordered (rc/pts): the RTMP test client drops its connection at a chosen
  message (right after a segment's opening keyframe; after a P-frame with B-frames pending),
  which ffmpeg only hits by chance, then publishes again.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hlswalker
import rtmpclient
import weirserver
from hlswalker import HLSWalker, http_get
from livestream import last_msn, playlist, wait_playlist
from weirserver import metric, route_yaml

pytestmark = pytest.mark.server

# Both publishers of a path send the same encoding, as a restarted encoder would.
MEDIA = "long"               # 60 s, 640x360, B-frames
RECONNECT_MEDIA = "zerolatency"  # 10 s, no B-frames: see test_reconnect_presentation_times_increase
TAKEOVER_AFTER = 2.0


def publish_status(srv, app: str, name: str) -> str:
    c = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        _, status = c.start_publish(app, name)
        return (status or {}).get("code", "no onStatus")
    except (OSError, ConnectionError, TimeoutError) as e:
        return f"{type(e).__name__}: {e}"
    finally:
        c.close()


@dataclass
class Reconnect:
    source: object = None
    walker: HLSWalker | None = None
    msn_at_kill: int = -1
    ended_after_clean_unpublish: bool = False
    final: str = ""
    decode: subprocess.CompletedProcess | None = None
    files: dict[str, Path] = field(default_factory=dict)
    error: str = ""


@dataclass
class Takeover:
    walker: HLSWalker | None = None
    while_sending: str = ""
    before_takeover_after: str = ""
    b_segments_after: bool = False
    a_exit: int | None = None
    a_log: str = ""
    took_over_logged: bool = False
    disconnect_logged: bool = False
    error: str = ""


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = weirserver.ServerPool(tmp_path_factory, "reconnect")
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="module")
def server(pool):
    weirserver.require_binary()
    return pool.start({"10-rc.yaml": route_yaml(name="rc", match="rc/*", reconnect_window="10s",
                                                extra=f"takeover_after: {TAKEOVER_AFTER:g}s")})


def run_reconnect(srv, src, procs, out: Reconnect, tmp: Path) -> None:
    src = out.source
    url = srv.url("rc/cam/video.m3u8")
    out.walker = HLSWalker(srv.http_base, "rc/cam", deadline=60, label="reconnect").start()
    a = procs.publish("ffmpeg", src.path, srv.rtmp_url("rc/cam"))
    # Mid-segment (a few parts into it): a drop right at a segment boundary is its own case,
    # test_drop_at_segment_boundary_keeps_tracks_aligned.
    pl = wait_playlist(url, lambda p: len(p.segments) >= 3 and len(p.trailing_parts) >= 4, timeout=30)
    a.kill()  # SIGKILL: the kernel closes the socket; no FCUnpublish is sent
    a.wait(10)
    out.msn_at_kill = last_msn(pl)
    time.sleep(2.0)
    b = procs.publish("ffmpeg", src.path, srv.rtmp_url("rc/cam"))
    wait_playlist(url, lambda p: len(p.segments) >= 1 and p.segments[-1].msn >= out.msn_at_kill + 4, timeout=30)
    # A clean unpublish (ffmpeg sends FCUnpublish on SIGTERM) ends the event at once,
    # not after the reconnect window.
    b.send_signal(signal.SIGTERM)
    b.wait(10)
    try:
        wait_playlist(url, lambda p: p.endlist, timeout=5)
        out.ended_after_clean_unpublish = True
    except AssertionError:
        pass
    out.walker.join()
    out.final = http_get(url).text
    out.decode = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", srv.url("rc/cam/index.m3u8"),
                                 "-map", "0:v", "-map", "0:a", "-f", "null", "-"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    out.files = out.walker.assemble(tmp)


def run_takeover(srv, src, procs, out: Takeover) -> None:
    url = srv.url("rc/stale/video.m3u8")
    out.walker = HLSWalker(srv.http_base, "rc/stale", deadline=60, label="takeover").start()
    a = procs.publish("ffmpeg", src.path, srv.rtmp_url("rc/stale"))
    wait_playlist(url, lambda p: len(p.segments) >= 1, timeout=30)
    out.while_sending = publish_status(srv, "rc", "stale")
    a.send_signal(signal.SIGSTOP)
    try:
        time.sleep(0.5)
        out.before_takeover_after = publish_status(srv, "rc", "stale")
        time.sleep(TAKEOVER_AFTER + 1.0)
        since = srv.log_size()
        b = procs.publish("ffmpeg", src.path, srv.rtmp_url("rc/stale"))
        out.took_over_logged = srv.wait_log(r"publisher took over a stale session", since=since, timeout=10) is not None
        out.disconnect_logged = srv.wait_log(r"stream=rc/stale \[RTMP\] disconnecting publisher: another publisher "
                                             r"took over", since=since, timeout=5) is not None
        _, before = playlist(url)
        mark = last_msn(before) if before else 0
        try:
            wait_playlist(url, lambda p: bool(p.segments) and p.segments[-1].msn >= mark + 2, timeout=15)
            out.b_segments_after = True
        except AssertionError:
            pass
    finally:
        a.send_signal(signal.SIGCONT)
    try:
        out.a_exit = a.wait(20)
    except subprocess.TimeoutExpired:
        out.a_exit = None
    out.a_log = procs.log(a)
    procs.stop(b)  # SIGTERM: clean unpublish, the event ends
    out.walker.join()


@dataclass
class Edge:
    playlists: dict[str, str] = field(default_factory=dict)
    error: str = ""


def run_edge(srv, src, procs, out: Edge) -> None:
    """The publisher's last message before the drop is the keyframe that opens a segment, with
    no audio after it (as when ffmpeg is killed just after a boundary); then it comes back."""
    tags = [t for t in rtmpclient.read_flv(src.path) if t.type in (8, 9)]
    cut = next(i for i, t in enumerate(tags) if t.is_keyframe and not t.is_sequence_header and t.timestamp >= 5900)
    first = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        sid, status = first.start_publish("rc", "edge")
        assert status and status.get("code") == "NetStream.Publish.Start", status
        rtmpclient.stream_tags(first, sid, tags[:cut + 1], speed=3.0)
        time.sleep(0.5)
    finally:
        first.close()  # no FCUnpublish: a lost connection
    time.sleep(1.0)
    second = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        sid, status = second.start_publish("rc", "edge")
        assert status and status.get("code") == "NetStream.Publish.Start", status
        rtmpclient.stream_tags(second, sid, [t for t in tags if t.timestamp < 4500], speed=3.0)
        second.unpublish(sid, "edge")
        wait_playlist(srv.url("rc/edge/video.m3u8"), lambda p: p.endlist, timeout=10)
    finally:
        second.close()
    for track in ("video", "audio"):
        out.playlists[track] = http_get(srv.url(f"rc/edge/{track}.m3u8")).text


@dataclass
class Reordered:
    before: list[tuple[float, float]] = field(default_factory=list)  # (pts, dts) ms before the drop
    after: list[tuple[float, float]] = field(default_factory=list)
    decode: subprocess.CompletedProcess | None = None
    error: str = ""


def flv_cts(tag: rtmpclient.FlvTag) -> int:
    """The composition time offset (ms) of an AVC video tag."""
    v = int.from_bytes(tag.data[2:5], "big")
    return v - (1 << 24) if v & 0x800000 else v


def run_reordered(srv, src, procs, out: Reordered, tmp: Path) -> None:
    """The drop comes after a P-frame shown later than it is decoded (B-frames pending), so the
    last picture shown is not the last one decoded; then the broadcaster comes back."""
    tags = [t for t in rtmpclient.read_flv(src.path) if t.type in (8, 9)]
    cut = next(i for i, t in enumerate(tags) if t.is_video and not t.is_sequence_header and t.timestamp >= 6500
               and not t.is_keyframe and flv_cts(t) >= 100)
    first = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        sid, status = first.start_publish("rc", "pts")
        assert status and status.get("code") == "NetStream.Publish.Start", status
        rtmpclient.stream_tags(first, sid, tags[:cut + 1], speed=3.0)
        time.sleep(0.5)
    finally:
        first.close()
    time.sleep(1.0)
    second = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        sid, status = second.start_publish("rc", "pts")
        assert status and status.get("code") == "NetStream.Publish.Start", status
        rtmpclient.stream_tags(second, sid, [t for t in tags if t.timestamp < 4500], speed=3.0)
        second.unpublish(sid, "pts")
        wait_playlist(srv.url("rc/pts/video.m3u8"), lambda p: p.endlist, timeout=10)
    finally:
        second.close()
    url = srv.url("rc/pts/video.m3u8")
    pl = hlswalker.parse_media_playlist(http_get(url).text)
    disc = next(s.msn for s in pl.segments if s.discontinuity)
    init = http_get(urllib.parse.urljoin(url, pl.segments[0].map_uri)).body
    for part, segs in (("before", [s for s in pl.segments if s.msn < disc]),
                       ("after", [s for s in pl.segments if s.msn >= disc])):
        path = tmp / f"{part}.mp4"
        path.write_bytes(init + b"".join(http_get(urllib.parse.urljoin(url, s.uri)).body for s in segs))
        setattr(out, part, hlswalker.probe_packets(path, "v:0"))
    out.decode = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", srv.url("rc/pts/index.m3u8"),
                                 "-map", "0:v", "-f", "null", "-"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)


@dataclass
class Scenarios:
    reconnect: Reconnect
    takeover: Takeover
    edge: Edge
    reordered: Reordered
    metrics: dict


@pytest.fixture(scope="module")
def scenarios(server, source, module_procs, tmp_path_factory):
    src = source(MEDIA)
    rc, to, edge, reordered = Reconnect(source=source(RECONNECT_MEDIA)), Takeover(), Edge(), Reordered()
    tmp = tmp_path_factory.mktemp("reconnect-assembled")

    def guarded(fn, out, *args):
        try:
            fn(server, src, module_procs, out, *args)
        except Exception as e:  # noqa: BLE001 - reported by the tests
            import traceback
            out.error = f"{type(e).__name__}: {e}\n{traceback.format_exc()}"

    threads = [threading.Thread(target=guarded, args=(run_reconnect, rc, tmp)),
               threading.Thread(target=guarded, args=(run_takeover, to)),
               threading.Thread(target=guarded, args=(run_edge, edge)),
               threading.Thread(target=guarded, args=(run_reordered, reordered,
                                                      tmp_path_factory.mktemp("reconnect-reordered")))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(150)
    return Scenarios(rc, to, edge, reordered, server.metrics())


# ---------------------------------------------------------------- reconnect


def test_reconnect_walk_is_clean(scenarios):
    """No HTTP error, no 404, no contract violation across the gap; one publish epoch."""
    rc = scenarios.reconnect
    assert not rc.error, rc.error
    rc.walker.check()
    assert len(rc.walker.epochs) == 1, rc.walker.epochs
    assert all(tr.ended for tr in rc.walker.tracks.values()), rc.walker.summary()


def test_reconnect_continues_media_sequence(scenarios):
    """Segments before and after the gap are numbered on, with a discontinuity where it was."""
    rc = scenarios.reconnect
    assert not rc.error, rc.error
    for tr in rc.walker.tracks.values():
        msns = sorted(tr.segments)
        assert msns and msns[0] == 0, f"{tr.name}: {msns}"
        assert msns == list(range(msns[0], msns[-1] + 1)), f"{tr.name}: segments missing: {msns}"
        assert msns[-1] >= rc.msn_at_kill + 3, f"{tr.name}: nothing after the reconnect: {msns}, kill at {rc.msn_at_kill}"
        disc = sorted(tr.discontinuity_msns)
        assert len(disc) == 1, f"{tr.name}: discontinuities at {disc}, want one"
        assert rc.msn_at_kill <= disc[0] <= rc.msn_at_kill + 2, f"{tr.name}: discontinuity at {disc}, kill at {rc.msn_at_kill}"


def test_reconnect_final_playlist(scenarios):
    rc = scenarios.reconnect
    assert not rc.error, rc.error
    pl = hlswalker.parse_media_playlist(rc.final)
    assert pl.endlist and pl.media_sequence == 0, rc.final
    assert sum(1 for s in pl.segments if s.discontinuity) == 1, rc.final
    assert rc.ended_after_clean_unpublish, "a clean unpublish did not end the event within 5 s"


def test_reconnect_timestamps_rebased(scenarios):
    """The second publisher starts its timestamps at 0 again; the event's keep increasing."""
    rc = scenarios.reconnect
    assert not rc.error, rc.error
    video = next((p for n, p in rc.files.items() if rc.walker.track_kind(n) == "video"), None)
    assert video is not None, rc.walker.summary()
    dts = [d for _, d in hlswalker.probe_packets(video, "v:0")]
    assert len(dts) > 300, f"only {len(dts)} video packets assembled"
    back = [(i, a, b) for i, (a, b) in enumerate(zip(dts, dts[1:])) if b <= a]
    assert not back, f"DTS not increasing at {back[:5]}"
    pts = sorted(p for p, _ in hlswalker.probe_packets(video, "v:0"))
    assert len(set(pts)) == len(pts), "two frames shown at the same time"


def test_reconnect_ffmpeg_plays_whole_event(scenarios):
    rc = scenarios.reconnect
    assert not rc.error, rc.error
    assert rc.decode.returncode == 0 and not rc.decode.stderr.strip(), rc.decode.stderr[-3000:]


def test_reconnect_counted_as_second_session(scenarios, server):
    m = scenarios.metrics
    assert metric(m, "weir_stream_sessions_total", stream="rc/cam") == 2, m
    assert "publisher reconnected: the event continues" in server.log_text()


# ---------------------------------------------------------------- takeover


def test_second_publisher_refused_while_first_sends(scenarios):
    to, m = scenarios.takeover, scenarios.metrics
    assert not to.error, to.error
    assert to.while_sending == "NetStream.Publish.BadName", to.while_sending
    assert to.before_takeover_after == "NetStream.Publish.BadName", \
        f"{TAKEOVER_AFTER} s had not passed since A went silent: {to.before_takeover_after}"
    assert metric(m, "weir_publish_refusals_total", reason="busy") == 2, m


def test_stale_session_taken_over(scenarios):
    to, m = scenarios.takeover, scenarios.metrics
    assert not to.error, to.error
    assert to.took_over_logged, "no 'took over a stale session' line"
    assert to.disconnect_logged, "the stale publisher's connection was not closed"
    assert to.b_segments_after, "no new segments from the publisher that took over"
    assert metric(m, "weir_stream_sessions_total", stream="rc/stale") == 2, m


def test_stale_publisher_fails_when_continued(scenarios):
    to = scenarios.takeover
    assert not to.error, to.error
    assert to.a_exit is not None, "the stopped publisher still runs 20 s after SIGCONT"
    assert to.a_exit != 0, f"the stopped publisher exited 0 after its connection was taken over:\n{to.a_log}"


def test_takeover_walk_is_clean(scenarios):
    """Viewers of rc/stale see one event across the takeover."""
    to = scenarios.takeover
    assert not to.error, to.error
    to.walker.check()
    assert len(to.walker.epochs) == 1, to.walker.epochs


# ---------------------------------------------------------------- a drop at a segment boundary


def test_drop_at_segment_boundary_keeps_tracks_aligned(scenarios):
    edge = scenarios.edge
    assert not edge.error, edge.error
    listed = {}
    for track, text in edge.playlists.items():
        pl = hlswalker.parse_media_playlist(text)
        assert pl.endlist, text
        numbers = []
        for s in pl.segments:
            m = hlswalker.URI_SEGMENT.match(s.uri)
            assert m, s.uri
            numbers.append(int(m.group(3)))
        assert numbers == [s.msn for s in pl.segments], f"{track}: segment URIs {numbers} at MSNs " \
                                                          f"{[s.msn for s in pl.segments]}:\n{text}"
        listed[track] = numbers
    assert listed["video"] == listed["audio"], listed


def test_reconnect_presentation_times_increase(scenarios):
    """Every picture after the reconnect is shown after every picture before it."""
    ro = scenarios.reordered
    assert not ro.error, ro.error
    assert ro.before and ro.after, (len(ro.before), len(ro.after))
    last_shown = max(p for p, _ in ro.before)
    first_shown = min(p for p, _ in ro.after)
    assert first_shown > last_shown, f"first picture after the reconnect at {first_shown:.1f} ms, " \
                                     f"last one before it at {last_shown:.1f} ms"
    assert ro.decode.returncode == 0 and not ro.decode.stderr.strip(), ro.decode.stderr[-2000:]
