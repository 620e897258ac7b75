"""MPEG-TS ingest: ffmpeg to udp://, tcp:// and HTTP PUT, plus a corrupted pushed stream.

All runs publish at once on one server, each to its own stream path; the strict walker
plays each LL-HLS output. The corrupted push shares the server with the healthy ones, so
the healthy runs also show that it disturbs nobody.
"""

from __future__ import annotations

import http.client
import random
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hlswalker
import publishers
import weirserver
from weirserver import port_bound, wait_until
from hlswalker import HLSWalker

pytestmark = pytest.mark.server

MEDIA = "bframes"
IDLE_TIMEOUT = "2s"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ts_routes(udp_port: int, tcp_port: int) -> str:
    hls = "{ segment: 2s, part: 200ms, window: 12 }"
    return (
        "routes:\n"
        "  - name: ts-udp\n"
        "    match: studio/udp\n"
        "    ingest:\n"
        "      - ts:\n"
        f'          listen: ["udp://127.0.0.1:{udp_port}"]\n'
        "          stream: studio/udp\n"
        f"          idle_timeout: {IDLE_TIMEOUT}\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
        "  - name: ts-tcp\n"
        "    match: studio/tcp\n"
        "    ingest:\n"
        "      - ts:\n"
        f'          listen: ["tcp://127.0.0.1:{tcp_port}"]\n'
        "          stream: studio/tcp\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
        "  - name: ts-push\n"
        "    match: push/*\n"
        "    ingest: [ts]\n"
        f"    outputs: [ {{ hls: {hls} }} ]\n"
    )


def ffmpeg_ts(src: Path, out: list[str]) -> list[str]:
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-re", "-i", str(src), "-c", "copy",
            "-f", "mpegts", *out]


def corrupt(ts: bytes, seed: int = 4) -> tuple[bytes, int]:
    """Drops packets and flips header bits that mark a packet as damaged or out of sequence.

    Only the transport_error_indicator and continuity-counter bits are flipped: a flip in the
    payload, or in the adaptation or scrambling bits, would hand the decoder damaged pictures
    the demuxer cannot know about, and nothing could then decode cleanly.
    """
    rng = random.Random(seed)
    packets = [ts[i:i + 188] for i in range(0, len(ts) - 187, 188)]
    out = bytearray()
    damaged = 0
    for i, p in enumerate(packets):
        if i > 50 and i % 500 == 250:
            damaged += 1
            continue
        if i > 50 and i % 500 == 0:
            b = bytearray(p)
            if rng.random() < 0.5:
                b[1] ^= 0x80
            else:
                b[3] ^= 1 << rng.randrange(4)
            p = bytes(b)
            damaged += 1
        out += p
    return bytes(out), damaged


def push_chunked(port: int, path: str, data: bytes, seconds: float) -> tuple[int, str]:
    """PUTs data as a chunked body, paced over `seconds` like a live encoder."""
    chunk = 188 * 70
    pieces = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    pause = seconds / max(len(pieces), 1)

    def body():
        for piece in pieces:
            yield piece
            time.sleep(pause)

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=seconds + 60)
    try:
        conn.request("PUT", path, body=body(), headers={"Content-Type": "video/mp2t"}, encode_chunked=True)
        r = conn.getresponse()
        return r.status, r.read().decode(errors="replace")
    finally:
        conn.close()


@dataclass
class Run:
    name: str
    path: str
    walker: HLSWalker | None = None
    proc: subprocess.Popen | None = None
    log: str = ""
    push_result: tuple[int, str] | None = None
    files: dict[str, Path] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)


def weir_knows_ts() -> str | None:
    binary = weirserver.weir_bin()
    if not binary.exists():
        return None  # the server fixture skips or fails with its own message
    p = subprocess.run([str(binary), "plugins"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if not re.search(r"^ts \(ingest\)", p.stdout, re.M):
        return "this weir binary has no ts ingest module"
    return None


@pytest.fixture(scope="module")
def ts_server(weir_factory):
    why = weir_knows_ts()
    if why:
        pytest.skip(why)
    udp_port, tcp_port = free_udp_port(), weirserver.free_port()
    srv = weir_factory(routes={"20-ts.yaml": ts_routes(udp_port, tcp_port)})
    assert wait_until(lambda: port_bound(udp_port, socket.SOCK_DGRAM)), f"no UDP listener on {udp_port}:\n{srv.log_tail()}"
    assert wait_until(lambda: port_bound(tcp_port, socket.SOCK_STREAM)), f"no TCP listener on {tcp_port}:\n{srv.log_tail()}"
    srv.ts_udp_port, srv.ts_tcp_port = udp_port, tcp_port  # type: ignore[attr-defined]
    return srv


@pytest.fixture(scope="module")
def runs(ts_server, source, module_procs, tmp_path_factory) -> dict[str, Run]:
    if not publishers.have("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    srv = ts_server
    src = source(MEDIA)
    noisy_ts = tmp_path_factory.mktemp("ts") / "source.ts"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(src.path), "-c", "copy", "-f", "mpegts",
                    str(noisy_ts)], check=True, timeout=120)
    noisy, damaged = corrupt(noisy_ts.read_bytes())
    assert damaged > 5

    out = {
        "udp": Run("udp", "studio/udp"),
        "tcp": Run("tcp", "studio/tcp"),
        "put": Run("put", "push/put"),
        "noisy": Run("noisy", "push/noisy"),
    }
    deadline = src.spec.seconds + 40
    for r in out.values():
        r.walker = HLSWalker(srv.http_base, r.path, deadline=deadline, label=f"ts-{r.name}").start()
    commands = {
        "udp": ffmpeg_ts(src.path, [f"udp://127.0.0.1:{srv.ts_udp_port}?pkt_size=1316"]),
        "tcp": ffmpeg_ts(src.path, [f"tcp://127.0.0.1:{srv.ts_tcp_port}"]),
        "put": ffmpeg_ts(src.path, ["-method", "PUT", srv.url("ingest/push/put.ts")]),
    }
    for name, cmd in commands.items():
        out[name].proc = module_procs.start(cmd, f"ffmpeg-ts-{name}")
    noisy_run = out["noisy"]

    def push():
        noisy_run.push_result = push_chunked(srv.http_port, "/ingest/push/noisy.ts", noisy, src.spec.seconds)

    pusher = threading.Thread(target=push, name="ts-noisy-push", daemon=True)
    pusher.start()
    for name in commands:
        r = out[name]
        try:
            r.proc.wait(src.spec.seconds + 40)
        except subprocess.TimeoutExpired:
            module_procs.stop(r.proc)
        r.log = module_procs.log(r.proc)
    pusher.join(src.spec.seconds + 60)
    for r in out.values():
        r.walker.join()
        r.walker.analyse()
        r.files = r.walker.assemble(tmp_path_factory.mktemp(f"ts-{r.name}"))
        r.kinds = {n: r.walker.track_kind(n) for n in r.files}
    return out


HEALTHY = ["udp", "tcp", "put"]


@pytest.mark.parametrize("name", HEALTHY)
def test_publisher_finished(runs, name):
    r = runs[name]
    assert r.proc.returncode == 0, f"ffmpeg ({name}) exited {r.proc.returncode}:\n{r.log}"


# Frames lost to the damage leave holes in the media timeline: the sample before a hole lasts
# until the next surviving frame, so parts around it are longer than PART-TARGET, and audio
# resumes later than the previous part ended. Everything else of the contract must hold.
DAMAGE_GAPS = frozenset({"media.tfdt", "playlist.part-duration"})


@pytest.mark.parametrize("name", HEALTHY + ["noisy"])
def test_walk_is_clean(runs, name):
    """The HLS contract holds for every run; the corrupted one may only show the holes its damage made."""
    r = runs[name]
    r.walker.check(allow=DAMAGE_GAPS if name == "noisy" else frozenset())
    assert set(r.walker.tracks) == {"video", "audio"}, f"tracks: {list(r.walker.tracks)}"


@pytest.mark.parametrize("name", HEALTHY)
def test_decoded_output_matches_source(runs, name, source):
    """Every frame arrives, in order, in sync, while a corrupted stream is published beside it."""
    r = runs[name]
    errs = hlswalker.compare_with_source(r.files, r.kinds, source(MEDIA), f"ts-{name}")
    assert not errs, "\n".join(errs)


def test_corrupted_push_decodes_and_counts_errors(runs, ts_server):
    r = runs["noisy"]
    assert r.push_result is not None, "the chunked PUT did not complete"
    status, text = r.push_result
    assert status == 200, f"PUT answered {status}: {text}"
    video = next((p for n, p in r.files.items() if r.kinds.get(n) == "video"), None)
    assert video is not None, r.walker.summary()
    for path in r.files.values():
        errors = hlswalker.decode_errors(path)
        assert not errors, f"{path.name}: {errors[:2000]}"
    frames = hlswalker.probe_packets(video, "v:0")
    # The adapter drops video from a loss to the next keyframe so that what it passes on decodes
    # cleanly; with a 2 s GOP and damage every fraction of a second most frames go, but not all.
    assert len(frames) >= 20, f"only {len(frames)} video frames survived"
    log = ts_server.log_text()
    ended = [line for line in log.splitlines() if "publish ended" in line and "stream=push/noisy" in line]
    assert ended, "no 'publish ended' line for push/noisy in the server log"
    counted = re.search(r"\berrors=(\d+)", ended[-1])
    assert counted and int(counted.group(1)) > 0, ended[-1]


def test_udp_stream_ended_by_idle_timeout(runs, ts_server):
    """A UDP source has no end but silence: the idle timeout ended the event (ENDLIST)."""
    r = runs["udp"]
    assert r.walker.tracks, r.walker.summary()
    log = ts_server.log_text()
    assert re.search(r"reason=idle timeout.*stream=studio/udp|stream=studio/udp.*reason=idle timeout", log), \
        "no idle-timeout end for studio/udp in the server log"
