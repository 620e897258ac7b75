"""Live reload: 20 SIGHUPs, valid and invalid in turn, while three streams play.

One server, three ffmpeg publishers on live/r1..r3 (the strict walker reading each) and
a fourth on gone/cam, whose route a reload removes. Valid reloads add a route, change the
HLS window, add and remove a TS listener, change the log level, change a segment duration
(next publish) and insert a route in front of a live stream; the invalid ones each carry
one mistake whose FILE:LINE:COL the log must name. Half the reloads go through
`weir reload --pid-file`, half through a plain SIGHUP.

The scenario runs once in a module fixture that records what it saw; the tests assert on it.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field

import pytest

import rtmpclient
import weirserver
from hlswalker import HLSWalker
from livestream import playlist, wait_playlist
from weirserver import metric, port_bound, route_yaml, wait_until

pytestmark = pytest.mark.server

STREAMS = ["r1", "r2", "r3"]
MEDIA = "long"  # 60 s, so every reload happens while the streams play
APPLIED = r"reload applied in (\d+(?:\.\d+)?) ms"
REFUSED = r"reload refused: keeping the running configuration"


def position(text: str, token: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of token in text."""
    i = text.index(token)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def rtmp_publish_status(srv, app: str, name: str) -> str:
    """Handshake, connect, publish; returns the onStatus code (the connection is then dropped)."""
    c = rtmpclient.RtmpClient("127.0.0.1", srv.rtmp_port)
    try:
        _, status = c.start_publish(app, name)
        return (status or {}).get("code", "no onStatus")
    except (OSError, ConnectionError, TimeoutError) as e:
        return f"{type(e).__name__}: {e}"
    finally:
        c.close()


# ---------------------------------------------------------------- the invalid files

BAD = "30-bad.yaml"

# (description, file text, token at the reported position, message fragment)
INVALID_ROUTE_FILES = {
    "yaml-indentation": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    outputs:\n"
        "      - hls: { window: 6 }\n   bad: x\n",
        "bad: x", "YAML syntax error"),
    "unknown-key": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    reconect_window: 3s\n"
        "    outputs:\n      - hls: { window: 6 }\n",
        "reconect_window", "unknown key 'reconect_window'"),
    "bad-duration": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    reconnect_window: 3x\n"
        "    outputs:\n      - hls: { window: 6 }\n",
        "3x", "invalid duration '3x'"),
    "duplicate-name": (
        "routes:\n  - name: live\n    match: dup/*\n    ingest: [rtmp]\n    outputs:\n      - hls: { window: 6 }\n",
        "live", "duplicate route name 'live'"),
    "unknown-module": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmpp]\n    outputs:\n      - hls: { window: 6 }\n",
        "rtmpp", "unknown ingest module 'rtmpp'"),
    "bad-bitrate": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    max_bitrate: lots\n"
        "    outputs:\n      - hls: { window: 6 }\n",
        "lots", "invalid bit rate 'lots'"),
    "missing-match": (
        "routes:\n  - name: bad\n    ingest: [rtmp]\n    outputs:\n      - hls: { window: 6 }\n",
        "name: bad", "missing required key 'match'"),
    "window-too-small": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    outputs:\n      - hls: { window: 3 }\n",
        "3 }", "hls option 'window'"),
    "unknown-hls-option": (
        "routes:\n  - name: bad\n    match: bad/*\n    ingest: [rtmp]\n    outputs:\n      - hls: { windw: 6 }\n",
        "windw", "unknown key 'windw'"),
}
MAIN_BAD_TOKEN = "5parsecs"


@dataclass
class Reload:
    n: int
    kind: str          # valid | invalid
    what: str
    via: str           # sighup | cli
    outcome: str = ""  # applied | refused | none
    millis: float | None = None
    log: str = ""      # log written by this reload
    expected_location: str = ""
    expected_message: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass
class ReloadRun:
    srv: weirserver.WeirServer
    reloads: list[Reload] = field(default_factory=list)
    walkers: dict[str, HLSWalker] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    alive_after_reloads: dict[str, bool] = field(default_factory=dict)
    ended_before_finish: list[str] = field(default_factory=list)
    effects: dict[str, list[str]] = field(default_factory=dict)  # effect -> problems
    debug_after_level_change: bool = False
    metrics: dict = field(default_factory=dict)
    frames_in_source: int = 0


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = weirserver.ServerPool(tmp_path_factory, "reload")
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


@pytest.fixture(scope="module")
def run(pool, source, module_procs) -> ReloadRun:
    weirserver.require_binary()
    src = source(MEDIA)
    srv = pool.start({"10-live.yaml": route_yaml(),
                      "20-gone.yaml": route_yaml(name="gone", match="gone/*")}, pid_file=True)
    out = ReloadRun(srv, frames_in_source=src.video_frames)
    confd = srv.workdir / "conf.d"
    main_text = srv.main_config_text()

    deadline = src.spec.seconds + 40
    for k in STREAMS + ["gone"]:
        path = "gone/cam" if k == "gone" else f"live/{k}"
        out.walkers[k] = HLSWalker(srv.http_base, path, deadline=deadline, label=k).start()
    for k in STREAMS + ["gone"]:
        path = "gone/cam" if k == "gone" else f"live/{k}"
        out.procs[k] = module_procs.publish("ffmpeg", src.path, srv.rtmp_url(path))
    for k in STREAMS:
        wait_playlist(srv.url(f"live/{k}/video.m3u8"), lambda p: len(p.segments) >= 2, timeout=30)
    wait_playlist(srv.url("gone/cam/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)

    def effect(name: str, problem: str | None) -> None:
        out.effects.setdefault(name, [])
        if problem:
            out.effects[name].append(problem)

    # Before any reload: nothing serves extra/* yet.
    code = rtmp_publish_status(srv, "extra", "early")
    effect("extra route missing before the reload",
           None if code == "NetStream.Publish.BadName" else f"publish to extra/early before the route exists: {code}")

    def reload(kind: str, what: str, expected: tuple[str, str] | None = None) -> Reload:
        n = len(out.reloads) + 1
        via = "cli" if n % 4 == 1 else "sighup"  # every other valid reload goes through `weir reload`
        r = Reload(n, kind, what, via)
        since = srv.log_size()
        if via == "cli":
            p = subprocess.run([str(weirserver.weir_bin()), "reload", "--pid-file", str(srv.pid_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
            if p.returncode != 0:
                r.problems.append(f"weir reload exited {p.returncode}: {p.stdout}")
        else:
            srv.reload()
        m = srv.wait_log(f"{APPLIED}|{REFUSED}", since=since, timeout=15)
        time.sleep(0.05)  # let the lines after the verdict land
        r.log = srv.log_text()[since:]
        if m is None:
            r.outcome = "none"
        elif m.group(0).startswith("reload applied"):
            r.outcome, r.millis = "applied", float(m.group(1))
        else:
            r.outcome = "refused"
        if expected:
            r.expected_location, r.expected_message = expected
        out.reloads.append(r)
        return r

    def clear_bad() -> None:
        (confd / BAD).unlink(missing_ok=True)
        srv.config_path.write_text(srv.main_config_text())

    def invalid(name: str) -> Reload:
        text, token, message = INVALID_ROUTE_FILES[name]
        (confd / BAD).write_text(text)
        line, col = position(text, token)
        return reload("invalid", name, (f"{confd / BAD}:{line}:{col}", message))

    # V1: a new route; it takes a publish.
    clear_bad()
    (confd / "40-extra.yaml").write_text(route_yaml(name="extra", match="extra/*"))
    reload("valid", "add route 'extra'")
    out.procs["extra-a"] = module_procs.publish("ffmpeg", src.path, srv.rtmp_url("extra/a"))
    try:
        pl = wait_playlist(srv.url("extra/a/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=20)
        effect("new route takes a publish", None if pl.target_duration == 3 else f"TARGETDURATION {pl.target_duration}")
    except AssertionError as e:
        effect("new route takes a publish", str(e))

    # I1
    invalid("yaml-indentation")

    # V2: a route inserted before the live one must not steal live/r2.
    clear_bad()
    (confd / "05-steal.yaml").write_text(route_yaml(name="steal", match="live/r2"))
    r = reload("valid", "insert route 'steal' before live/r2's route")
    stays = re.search(r"stream live/r2 stays on route 'live'", r.log)
    effect("inserted route does not steal a live stream", None if stays else f"no 'stays on route' line:\n{r.log}")

    # I2 (its route 'bad' is otherwise fine: after the refusal it must not exist)
    invalid("unknown-key")
    code = rtmp_publish_status(srv, "bad", "x")
    effect("refused reload changes nothing",
           None if code == "NetStream.Publish.BadName" else f"publish to bad/x after a refused reload: {code}")

    # V3: the HLS window shrinks 12 -> 5 at the next segment boundary.
    clear_bad()
    wait_playlist(srv.url("live/r1/video.m3u8"), lambda p: len(p.segments) >= 7, timeout=30)
    (confd / "10-live.yaml").write_text(route_yaml(window=5))
    r = reload("valid", "live window 12 -> 5")
    if "hls.window 12 -> 5" not in r.log:
        effect("window change", f"no 'hls.window 12 -> 5' line:\n{r.log}")
    try:
        wait_playlist(srv.url("live/r1/video.m3u8"), lambda p: len(p.segments) == 5, timeout=8)
        effect("window change", None)
    except AssertionError as e:
        effect("window change", f"live/r1 did not list 5 segments after the next boundary: {e}")

    # I3
    invalid("bad-duration")

    # V4: a route with a TS listener binds it.
    clear_bad()
    ts_port = weirserver.free_port()
    (confd / "50-ts.yaml").write_text(
        "routes:\n  - name: ts-late\n    match: studio/late\n    ingest:\n      - ts:\n"
        f'          listen: ["tcp://127.0.0.1:{ts_port}"]\n          stream: studio/late\n'
        "    outputs: [ { hls: { segment: 2s, part: 200ms, window: 12 } } ]\n")
    reload("valid", "add a TS listener route")
    effect("TS listener added", None if wait_until(lambda: port_bound(ts_port), 5) else f"port {ts_port} not bound")

    # I4: the main file this time.
    bad_main = main_text.replace('" }\ningest:', f'", idle_timeout: {MAIN_BAD_TOKEN} }}\ningest:', 1)
    assert bad_main != main_text, main_text
    srv.config_path.write_text(bad_main)
    line, col = position(bad_main, MAIN_BAD_TOKEN)
    reload("invalid", "main file: bad duration", (f"{srv.config_path}:{line}:{col}", f"invalid duration '{MAIN_BAD_TOKEN}'"))

    # V5: log level info -> debug.
    srv.log_level = "debug"
    clear_bad()
    r = reload("valid", "log level info -> debug")
    effect("log level change logged", None if "log level info -> debug" in r.log else f"no log level line:\n{r.log}")
    since = srv.log_size()
    rtmp_publish_status(srv, "extra", "debugprobe")
    out.debug_after_level_change = srv.wait_log(r"\bdebug weir:", since=since, timeout=3) is not None

    # I5
    invalid("duplicate-name")

    # V6: removing a route ends its stream cleanly and disconnects its publisher.
    clear_bad()
    (confd / "20-gone.yaml").unlink()
    r = reload("valid", "remove route 'gone'")
    try:
        pl = wait_playlist(srv.url("gone/cam/video.m3u8"), lambda p: p.endlist, timeout=10)
        effect("removed route ends its stream", None)
    except AssertionError as e:
        effect("removed route ends its stream", f"gone/cam has no ENDLIST: {e}")
    try:
        out.procs["gone"].wait(15)
    except subprocess.TimeoutExpired:
        effect("removed route disconnects its publisher", "gone/cam's ffmpeg still running 15 s after the reload")
    else:
        effect("removed route disconnects its publisher", None)

    # I6
    invalid("unknown-module")

    # V7: log level back to info.
    srv.log_level = "info"
    clear_bad()
    r = reload("valid", "log level debug -> info")
    effect("log level change logged", None if "log level debug -> info" in r.log else f"no log level line:\n{r.log}")

    # I7
    invalid("bad-bitrate")

    # V8: a segment duration change applies from the next publish only.
    clear_bad()
    (confd / "40-extra.yaml").write_text(route_yaml(name="extra", match="extra/*", segment="1s"))
    r = reload("valid", "extra segment 2s -> 1s")
    if not re.search(r"route 'extra' hls\.segment 2s -> 1s: applies from each stream's next publish", r.log):
        effect("segment change waits for the next publish", f"no next-publish line:\n{r.log}")
    out.procs["extra-b"] = module_procs.publish("ffmpeg", src.path, srv.rtmp_url("extra/b"))
    try:
        pl_b = wait_playlist(srv.url("extra/b/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=20)
        _, pl_a = playlist(srv.url("extra/a/video.m3u8"))
        td_a = pl_a.target_duration if pl_a else None
        effect("segment change waits for the next publish",
               None if (pl_b.target_duration, td_a) == (2, 3)
               else f"TARGETDURATION of the new publish {pl_b.target_duration} (want 2), of the live one {td_a} (want 3)")
    except AssertionError as e:
        effect("segment change waits for the next publish", str(e))
    for k in ("extra-a", "extra-b"):
        module_procs.stop(out.procs[k])

    # I8
    invalid("missing-match")

    # V9: removing the TS route closes its listener.
    clear_bad()
    (confd / "50-ts.yaml").unlink()
    reload("valid", "remove the TS listener route")
    effect("TS listener removed", None if wait_until(lambda: not port_bound(ts_port), 5) else f"port {ts_port} still bound")

    # I9
    invalid("window-too-small")

    # V10: the window grows 5 -> 6.
    clear_bad()
    (confd / "10-live.yaml").write_text(route_yaml(window=6))
    reload("valid", "live window 5 -> 6")
    try:
        wait_playlist(srv.url("live/r3/video.m3u8"), lambda p: len(p.segments) == 6, timeout=8)
        effect("window grows", None)
    except AssertionError as e:
        effect("window grows", f"live/r3 did not list 6 segments: {e}")

    # I10
    invalid("unknown-hls-option")
    clear_bad()

    # The three live publishers are still connected.
    text = srv.log_text()
    for k in STREAMS:
        out.alive_after_reloads[k] = out.procs[k].poll() is None
        if re.search(rf"stream=live/{k}\b.*publish ended|publish ended.*stream=live/{k}\b", text):
            out.ended_before_finish.append(k)

    for k in STREAMS:
        try:
            out.procs[k].wait(src.spec.seconds + 40)
        except subprocess.TimeoutExpired:
            module_procs.stop(out.procs[k])
    for k, p in out.procs.items():
        out.logs[k] = module_procs.log(p)
    for w in out.walkers.values():
        w.join()
    out.metrics = srv.metrics()
    return out


def reloads_of(run: ReloadRun, kind: str) -> list[Reload]:
    return [r for r in run.reloads if r.kind == kind]


def test_twenty_reloads_alternate(run):
    kinds = [r.kind for r in run.reloads]
    assert kinds == ["valid", "invalid"] * 10, kinds
    assert {r.via for r in run.reloads} == {"cli", "sighup"}
    for r in run.reloads:
        assert not r.problems, f"reload {r.n} ({r.what}): {r.problems}"


def test_valid_reloads_applied(run):
    bad = [(r.n, r.what, r.outcome, r.log) for r in reloads_of(run, "valid") if r.outcome != "applied"]
    assert not bad, bad


def test_invalid_reloads_refused_with_location(run):
    """Each invalid file is refused, and the log names FILE:LINE:COL of the mistake."""
    problems = []
    for r in reloads_of(run, "invalid"):
        if r.outcome != "refused":
            problems.append(f"reload {r.n} ({r.what}): {r.outcome}\n{r.log}")
            continue
        want = f"reload refused: {r.expected_location}: "
        lines = [ln for ln in r.log.splitlines() if want in ln]
        if not lines:
            problems.append(f"reload {r.n} ({r.what}): no line with {want!r}:\n{r.log}")
        elif r.expected_message not in lines[0]:
            problems.append(f"reload {r.n} ({r.what}): {lines[0]!r} lacks {r.expected_message!r}")
        if re.search(r"reload: |reload applied", r.log):
            problems.append(f"reload {r.n} ({r.what}) was refused yet changed something:\n{r.log}")
    assert not problems, "\n\n".join(problems)


def test_metrics_count_reloads(run):
    assert metric(run.metrics, "weir_reloads_total") == 10, run.metrics
    assert metric(run.metrics, "weir_reload_failures_total") == 10, run.metrics


@pytest.mark.parametrize("effect", [
    "extra route missing before the reload",
    "new route takes a publish",
    "inserted route does not steal a live stream",
    "refused reload changes nothing",
    "window change",
    "TS listener added",
    "log level change logged",
    "removed route ends its stream",
    "removed route disconnects its publisher",
    "segment change waits for the next publish",
    "TS listener removed",
    "window grows",
])
def test_valid_change_takes_effect(run, effect):
    assert effect in run.effects, f"not reached; effects seen: {sorted(run.effects)}"
    assert not run.effects[effect], "\n".join(run.effects[effect])


def test_log_level_reaches_modules(run):
    """After `log: { level: debug }` is reloaded, a new RTMP connection logs its debug lines."""
    assert run.debug_after_level_change, "no debug line from the RTMP connection made after the reload"


@pytest.mark.parametrize("key", STREAMS)
def test_readers_saw_no_error(run, key):
    """The strict walker: every playlist, part and segment answered, none missing, one epoch."""
    w = run.walkers[key]
    w.check()
    assert set(w.tracks) == {"video", "audio"}, w.summary()
    for tr in w.tracks.values():
        msns = sorted(tr.segments)
        assert msns == list(range(msns[0], msns[-1] + 1)), f"{key}/{tr.name}: segments missing: {msns}"


@pytest.mark.parametrize("key", STREAMS)
def test_publishers_never_disconnected(run, key):
    assert run.alive_after_reloads[key], f"ffmpeg on live/{key} had exited by the end of the reloads:\n{run.logs[key]}"
    assert key not in run.ended_before_finish, f"'publish ended' for live/{key} during the reloads"
    assert run.procs[key].returncode == 0, f"ffmpeg on live/{key} exited {run.procs[key].returncode}:\n{run.logs[key]}"
    m = run.metrics
    assert metric(m, "weir_stream_sessions_total", stream=f"live/{key}") == 1, m
    # Every source frame arrived and none was dropped.
    assert metric(m, "weir_stream_ingest_frames_total", stream=f"live/{key}", kind="video") == run.frames_in_source
    assert metric(m, "weir_stream_dropped_frames_total", stream=f"live/{key}") == 0


def test_inserted_route_left_live_stream_alone(run):
    assert metric(run.metrics, "weir_stream_live", stream="live/r2", route="live") is not None, \
        [k for k in run.metrics if k[0] == "weir_stream_live"]


def test_removed_route_stream_ended_cleanly(run):
    """gone/cam: the walker saw ENDLIST and no error; its ffmpeg was cut off."""
    w = run.walkers["gone"]
    w.check()
    assert all(tr.ended for tr in w.tracks.values()), w.summary()
    assert run.procs["gone"].returncode not in (None, 0), run.logs["gone"]


def test_reload_time(run):
    """Every applied reload logged its duration; they are recorded here for the report."""
    times = [r.millis for r in reloads_of(run, "valid")]
    assert all(t is not None for t in times), times
    print(f"reload times (ms): {times}")
