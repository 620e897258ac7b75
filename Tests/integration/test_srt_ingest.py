"""SRT ingest: real SRT publishers, refusals a caller can read, and nobody disturbed by them.

One server, every run at once, each on its own stream path:
- ffmpeg with `streamid=publish:APP/KEY` and with `streamid=#!::r=APP/KEY,m=publish`;
- ffmpeg into an encrypted route with the right passphrase;
- srt-live-transmit reading the TS from ffmpeg on its stdin;
- GStreamer srtsink with the access-control form in its `streamid` property.
The strict walker plays each LL-HLS output and ffmpeg decodes it against the source.

While they publish, refused callers come in: ffmpeg with a wrong passphrase, ffmpeg with an
unrouted stream id, ffmpeg on a path already being published, and a few bare libsrt callers
(through ctypes) that read the reject reason the server set. The healthy runs must not notice.

Client quirks (CLIENTS.md, and checked here): ffmpeg sends the stream id verbatim and takes
`latency=` in microseconds. A caller that closes without lingering (ffmpeg by default, GStreamer's
srtsink always) loses what the server's libsrt still holds back for the receive latency, about
0.12 to 0.2 s here: ffmpeg gets `linger=2`; srtsink cannot, so it sends the B-frame-free media,
where a lost tail is only missing last frames rather than a hole in the picture order.
srt-live-transmit takes `latency=` in milliseconds, sends only whole `-chunk` reads (the input's
last partial read is dropped) and does not exit at the end of its input: its input is padded with
null TS packets past a chunk boundary and it is ended with SIGINT, on which it closes the
connection properly (SIGKILL would leave the server to notice the silence after libsrt's 5 s peer
timeout). GStreamer reads a raw `#` in a URI as a fragment, so the stream id goes in the
`streamid` property.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shlex
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hlswalker
import publishers
import weirserver
from hlswalker import HLSWalker, http_get
from weirserver import udp_bound, wait_until

pytestmark = pytest.mark.server

MEDIA = "bframes"
GST_MEDIA = "zerolatency"
PASSPHRASE = "0123456789abc"
# 200 ms, in each client's own unit.
FFMPEG_LATENCY_US = 200_000
SLT_LATENCY_MS = 200
FFMPEG_SRT = "pkt_size=1316&linger=2"


# ---------------------------------------------------------------- ports and server

def srt_routes() -> str:
    hls = "{ segment: 2s, part: 200ms, window: 12 }"
    return (
        "routes:\n"
        "  - name: live\n"
        "    match: live/*\n"
        "    ingest: [rtmp, srt]\n"
        "    reconnect_window: 0s\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
        "  - name: secure\n"
        "    match: secure/*\n"
        f'    ingest: [rtmp, {{ srt: {{ passphrase: "{PASSPHRASE}" }} }}]\n'
        "    reconnect_window: 0s\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
        "  - name: rtmponly\n"
        "    match: rtmponly/*\n"
        "    ingest: [rtmp]\n"
        "    reconnect_window: 0s\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
    )


def weir_knows_srt() -> str | None:
    p = subprocess.run([str(weirserver.weir_bin()), "plugins"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    if not re.search(r"^srt \(ingest\)", p.stdout, re.M):
        return "this weir binary has no srt ingest module"
    return None


@pytest.fixture(scope="module")
def srt_server(weir_factory):
    binary = weirserver.weir_bin()
    if not binary.exists():
        if "WEIR_BIN" in os.environ:
            pytest.fail(f"WEIR_BIN={binary} does not exist")
        pytest.skip(f"no weir binary at {binary} (run `make build`, or set WEIR_BIN)")
    why = weir_knows_srt()
    if why:
        pytest.skip(why)
    port = weirserver.free_udp_port()
    srv = weirserver.WeirServer(weir_factory.tmp_factory.mktemp("weir-srt"), {"20-srt.yaml": srt_routes()},
                                srt_port=port)
    # Stopped, and checked for a clean exit, with the module's other servers.
    weir_factory.servers.append(srv)
    srv.start()
    assert wait_until(lambda: udp_bound(port)), f"no SRT listener on UDP {port}:\n{srv.log_tail()}"
    return srv


# ---------------------------------------------------------------- publishers

def ffmpeg_srt(src: Path, url: str) -> list[str]:
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-re", "-i", str(src), "-c", "copy",
            "-f", "mpegts", url]


def ffmpeg_url(srv, streamid: str, extra: str = "") -> str:
    query = f"streamid={streamid}&latency={FFMPEG_LATENCY_US}&{FFMPEG_SRT}"
    return srv.srt_url(query + (f"&{extra}" if extra else ""))


SLT_CHUNK = 7 * 188
# Seven null packets (PID 0x1FFF): they complete the chunk holding the last real bytes, and
# whatever srt-live-transmit drops after them is whole null packets.
NULL_PADDING = "import sys; sys.stdout.buffer.write((bytes([0x47, 0x1F, 0xFF, 0x10]) + bytes([0xFF]) * 184) * 7)"


def slt_cmd(src: Path, url: str, seconds: float) -> list[str]:
    """ffmpeg | srt-live-transmit, ended by SIGINT once the input is long over (KILL as a fallback).

    The shell exits 0 when ffmpeg did and srt-live-transmit either exited by itself or on the
    SIGINT (124 from timeout).
    """
    ff = shlex.join(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-re", "-i", str(src), "-c", "copy",
                     "-f", "mpegts", "-"])
    pad = shlex.join([sys.executable, "-c", NULL_PADDING])
    slt = shlex.join(["timeout", "-k", "3", "-s", "INT", str(int(seconds)), "srt-live-transmit", "-a:no",
                      f"-chunk:{SLT_CHUNK}", "file://con", url])
    script = (f"{{ {ff}; f=$?; {pad}; exit $f; }} | {slt}; s=(\"${{PIPESTATUS[@]}}\"); "
              "echo \"exit statuses: ${s[*]}\"; "
              "[ \"${s[0]}\" = 0 ] && { [ \"${s[1]}\" = 0 ] || [ \"${s[1]}\" = 124 ]; }")
    return ["bash", "-c", script]


def srtsink_cmd(src: Path, uri: str, streamid: str) -> list[str]:
    # srtsink is a base sink synced to the clock, so the file goes out in real time.
    return ["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!", "flvdemux", "name=d",
            "d.video", "!", "queue", "!", "h264parse", "!", "mpegtsmux", "name=m", "alignment=7", "!",
            "srtsink", f"uri={uri}", f"streamid={streamid}", f"latency={SLT_LATENCY_MS}", "sync=true",
            "d.audio", "!", "queue", "!", "aacparse", "!", "m."]


def gst_missing() -> str | None:
    if not publishers.have("gst-launch-1.0"):
        return "gst-launch-1.0 not installed"
    for element in ("srtsink", "flvdemux", "h264parse", "aacparse", "mpegtsmux"):
        if not publishers.gst_element(element):
            return f"GStreamer element {element} not available"
    return None


# ---------------------------------------------------------------- a bare libsrt caller

SRTO_SENDER, SRTO_PASSPHRASE, SRTO_STREAMID = 21, 26, 46
SRT_REJ_BADSECRET, SRT_REJ_UNSECURE = 10, 11


class _SockaddrIn(ctypes.Structure):
    _fields_ = [("family", ctypes.c_ushort), ("port", ctypes.c_uint16), ("addr", ctypes.c_uint32),
                ("zero", ctypes.c_char * 8)]


def load_libsrt():
    for name in ("libsrt.so.1.5", "libsrt-openssl.so.1.5", ctypes.util.find_library("srt")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def srt_reject_reason(lib, port: int, streamid: str, passphrase: str | None = None) -> int:
    """Connects as a publisher; returns the reject reason the caller reads, or 0 if admitted.

    An admitted connection is closed at once, having sent nothing.
    """
    lib.srt_startup()
    s = lib.srt_create_socket()
    try:
        one = ctypes.c_int(1)
        lib.srt_setsockflag(s, SRTO_SENDER, ctypes.byref(one), ctypes.sizeof(one))
        sid = streamid.encode()
        assert lib.srt_setsockflag(s, SRTO_STREAMID, ctypes.c_char_p(sid), len(sid)) == 0
        if passphrase:
            pw = passphrase.encode()
            assert lib.srt_setsockflag(s, SRTO_PASSPHRASE, ctypes.c_char_p(pw), len(pw)) == 0
        addr = _SockaddrIn(socket.AF_INET, socket.htons(port),
                           struct.unpack("=I", socket.inet_aton("127.0.0.1"))[0], b"")
        if lib.srt_connect(s, ctypes.byref(addr), ctypes.sizeof(addr)) == 0:
            return 0
        return int(lib.srt_getrejectreason(s))
    finally:
        lib.srt_close(s)


# What each bare caller asks, and the reject reason it must read.
PROBES = {
    "unrouted": ("publish:nowhere/probe", None, 1404),
    "unrouted-keyed": ("#!::r=nowhere/probe,m=publish", None, 1404),
    "not-srt-route": ("publish:rtmponly/probe", None, 1403),
    "busy": ("publish:live/ffhash", None, 1409),
    "unknown-form": ("live/probe", None, 1400),
    "playback": ("#!::r=live/probe,m=request", None, 1405),
    "wrong-passphrase": ("publish:secure/probe", "9876543210xyz", SRT_REJ_BADSECRET),
    "no-passphrase": ("publish:secure/probe", None, SRT_REJ_UNSECURE),
    # The `#` of a client that percent-encoded it: admitted (reason 0), then closed unused.
    "percent-encoded": ("%23!::r=live/pct,m=publish", None, 0),
}


# ---------------------------------------------------------------- the runs

@dataclass
class Run:
    name: str
    path: str
    media: str = MEDIA
    skipped: str | None = None
    walker: HLSWalker | None = None
    proc: subprocess.Popen | None = None
    log: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


@dataclass
class Refused:
    name: str
    path: str
    proc: subprocess.Popen | None = None
    log: str = ""
    index_status: int = 0


@dataclass
class Results:
    runs: dict[str, Run]
    refused: dict[str, Refused]
    probes: dict[str, int] | None
    probes_skipped: str | None
    # Whether every healthy publisher was still running when the last refusal was over.
    refusals_during_publish: bool


def wait_streams_up(srv, paths: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(paths)
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if http_get(srv.url(f"{p}/index.m3u8"), timeout=2).status != 200]
        if pending:
            time.sleep(0.2)


@pytest.fixture(scope="module")
def results(srt_server, source, module_procs, tmp_path_factory) -> Results:
    srv = srt_server
    src = source(MEDIA)
    seconds = src.spec.seconds
    runs = {
        "ffmpeg-publish": Run("ffmpeg-publish", "live/ffpub"),
        "ffmpeg-keyed": Run("ffmpeg-keyed", "live/ffhash"),
        "ffmpeg-encrypted": Run("ffmpeg-encrypted", "secure/ok"),
        "srt-live-transmit": Run("srt-live-transmit", "live/slt"),
        "srtsink": Run("srtsink", "live/gst", GST_MEDIA),
    }
    if not publishers.have("srt-live-transmit"):
        runs["srt-live-transmit"].skipped = "srt-live-transmit not installed (Debian package srt-tools)"
    runs["srtsink"].skipped = gst_missing()
    commands = {
        "ffmpeg-publish": ffmpeg_srt(src.path, ffmpeg_url(srv, "publish:live/ffpub")),
        "ffmpeg-keyed": ffmpeg_srt(src.path, ffmpeg_url(srv, "#!::r=live/ffhash,m=publish")),
        "ffmpeg-encrypted": ffmpeg_srt(src.path, ffmpeg_url(srv, "publish:secure/ok", f"passphrase={PASSPHRASE}")),
        "srt-live-transmit": slt_cmd(src.path, srv.srt_url(f"streamid=publish:live/slt&latency={SLT_LATENCY_MS}"),
                                     seconds + 4),
        "srtsink": srtsink_cmd(source(GST_MEDIA).path, srv.srt_url(), "#!::r=live/gst,m=publish"),
    }
    active = {n: r for n, r in runs.items() if not r.skipped}
    deadline = seconds + 40
    for r in active.values():
        r.walker = HLSWalker(srv.http_base, r.path, deadline=deadline, label=f"srt-{r.name}").start()
    for name, r in active.items():
        r.proc = module_procs.start(commands[name], name)

    # Refusals, once every healthy stream is being served.
    wait_streams_up(srv, [r.path for r in active.values()], timeout=seconds / 2)
    refused = {
        "wrong-passphrase": Refused("wrong-passphrase", "secure/wrong"),
        "unrouted": Refused("unrouted", "nowhere/ffmpeg"),
        "busy": Refused("busy", "live/ffpub"),
    }
    refusal_urls = {
        "wrong-passphrase": ffmpeg_url(srv, "publish:secure/wrong", "passphrase=9876543210xyz"),
        "unrouted": ffmpeg_url(srv, "publish:nowhere/ffmpeg"),
        "busy": ffmpeg_url(srv, "publish:live/ffpub"),
    }
    for name, f in refused.items():
        f.proc = module_procs.start(ffmpeg_srt(src.path, refusal_urls[name]), f"refused-{name}")
    probes: dict[str, int] | None = None
    lib = load_libsrt()
    probes_skipped = None if lib is not None else "libsrt cannot be loaded through ctypes"
    if lib is not None:
        probes = {name: srt_reject_reason(lib, srv.srt_port, sid, pw) for name, (sid, pw, _) in PROBES.items()}
    for f in refused.values():
        try:
            f.proc.wait(15)
        except subprocess.TimeoutExpired:
            module_procs.stop(f.proc)
        f.log = module_procs.log(f.proc)
    during = all(r.proc.poll() is None for r in active.values())

    for r in active.values():
        try:
            r.proc.wait(seconds + 40)
        except subprocess.TimeoutExpired:
            module_procs.stop(r.proc)
        r.log = module_procs.log(r.proc)
    for r in active.values():
        r.walker.join()
        r.walker.analyse()
        r.files = r.walker.assemble(tmp_path_factory.mktemp(f"srt-{r.name}"))
        r.kinds = {n: r.walker.track_kind(n) for n in r.files}
    for f in refused.values():
        if f.name != "busy":
            f.index_status = http_get(srv.url(f"{f.path}/index.m3u8")).status
    return Results(runs, refused, probes, probes_skipped, during)


HEALTHY = ["ffmpeg-publish", "ffmpeg-keyed", "ffmpeg-encrypted", "srt-live-transmit", "srtsink"]


def healthy_run(results: Results, name: str) -> Run:
    r = results.runs[name]
    if r.skipped:
        pytest.skip(r.skipped)
    return r


def log_lines(srv, *needles: str) -> list[str]:
    return [ln for ln in srv.log_text().splitlines() if all(n in ln for n in needles)]


# ---------------------------------------------------------------- healthy publishers

@pytest.mark.parametrize("name", HEALTHY)
def test_publisher_finished(results, name):
    r = healthy_run(results, name)
    assert r.proc.returncode == 0, f"{name} exited {r.proc.returncode}:\n{r.log}"


@pytest.mark.parametrize("name", HEALTHY)
def test_walk_is_clean(results, name):
    """The LL-HLS contract holds, with the audio and video of the source."""
    r = healthy_run(results, name)
    r.walker.check()
    assert set(r.walker.tracks) == {"video", "audio"}, f"tracks: {list(r.walker.tracks)}"


@pytest.mark.parametrize("name", HEALTHY)
def test_decoded_output_matches_source(results, name, source):
    """Every frame arrives, in order, in sync, while refused callers come and go beside it."""
    r = healthy_run(results, name)
    errs = hlswalker.compare_with_source(r.files, r.kinds, source(r.media), f"srt-{name}")
    assert not errs, "\n".join(errs)


@pytest.mark.parametrize("name", HEALTHY)
def test_one_clean_session_per_stream(results, srt_server, name):
    """One publish per path, despite a caller trying to take one of them; no transport damage."""
    r = healthy_run(results, name)
    started = log_lines(srt_server, "SRT publish started", f"stream={r.path} ")
    assert len(started) == 1, f"{len(started)} SRT sessions on {r.path}:\n" + "\n".join(started)
    ended = log_lines(srt_server, "SRT publish ended", f"stream={r.path} ")
    assert len(ended) == 1, f"no single 'SRT publish ended' line for {r.path}:\n" + "\n".join(ended)
    counters = ["dropped_frames", "discontinuities"]
    if name != "srtsink":
        # srtsink's close without lingering cuts the stream anywhere, possibly inside a PES of
        # declared length, which the demuxer rightly counts.
        counters.append("transport_errors")
    for counter in counters:
        m = re.search(rf"\b{counter}=(\d+)", ended[0])
        assert m and int(m.group(1)) == 0, f"{counter} on {r.path}: {ended[0]}"


# ---------------------------------------------------------------- refusals

def test_refusals_happened_while_publishing(results):
    assert results.refusals_during_publish, "a healthy publisher had already ended when the refusals were over"


@pytest.mark.parametrize("name", ["wrong-passphrase", "unrouted", "busy"])
def test_ffmpeg_refused(results, srt_server, name):
    f = results.refused[name]
    assert f.proc.returncode not in (0, None), f"ffmpeg ({name}) was let in:\n{f.log}"
    if name == "busy":
        return  # the path is the healthy live/ffpub; test_one_clean_session_per_stream checks it
    assert f.index_status == 404, f"{f.path} answered {f.index_status}, it was never published"
    started = log_lines(srt_server, "publish started", f"stream={f.path} ")
    assert not started, "\n".join(started)


def test_unrouted_refusal_logged_with_reason(results, srt_server):
    lines = log_lines(srt_server, "SRT caller refused", 'streamid="publish:nowhere/ffmpeg"')
    assert lines and "reason=1404" in lines[0], lines or srt_server.log_tail(40)


def test_busy_refusal_logged_with_reason(results, srt_server):
    lines = log_lines(srt_server, "SRT caller refused", 'streamid="publish:live/ffpub"')
    assert lines and "reason=1409" in lines[0], lines or srt_server.log_tail(40)


@pytest.mark.parametrize("name", list(PROBES))
def test_caller_reads_reject_reason(results, name):
    if results.probes is None:
        pytest.skip(results.probes_skipped or "no libsrt")
    streamid, _, want = PROBES[name]
    got = results.probes[name]
    assert got == want, f"stream id {streamid!r}: the caller read reject reason {got}, want {want}"
