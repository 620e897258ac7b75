"""The measurements. Each function runs one server through one measurement and returns plain data."""

from __future__ import annotations

import asyncio
import bisect
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import latency, parse, procstat
from .flv import Clip
from .httpc import Connection, HTTPError
from .observe import NginxObserver, WeirObserver
from .rtmppub import StreamLog, publish_many
from .servers import Nginx, Server, Weir

BENCH_DIR = Path(__file__).resolve().parent.parent


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- 1 + 2: ingest cost and memory


@dataclass
class IngestResult:
    server: str
    streams: int
    cpu_seconds: float
    stream_seconds: float
    publisher_cpu_seconds: float
    idle_rss: int          # before publishing; Weir: RSS; nginx: summed Pss of master and workers
    end_rss: int           # at the end of the window, same measure
    peak_rss: int          # Weir: VmHWM; nginx: peak of the summed Pss of master and workers
    window_bytes: int      # bytes of the live windows at the end (Weir: listed media; nginx: its HLS directory)
    late_sends: int
    errors: list[str]
    cpu_tick_seconds: float = 0.0  # the same CPU time from /proc/PID/stat ticks, as a cross-check
    held_bytes: int = 0    # Weir: weir_stream_window_bytes, listed segments plus those kept for late readers

    @property
    def ms_per_stream_second(self) -> float:
        return self.cpu_seconds * 1000 / self.stream_seconds


async def _weir_window_bytes(srv: Weir, keys: list[str]) -> int:
    """Bytes of every segment and part the playlists list (init segments aside)."""
    conn = Connection("127.0.0.1", srv.http_port)
    total = 0
    try:
        for key in keys:
            for track in ("video", "audio"):
                r = await conn.get(f"/{srv.app}/{key}/{track}.m3u8")
                if r.status != 200:
                    continue
                pl = parse.parse_playlist(r.text)
                complete = {msn for msn, _, _ in pl.segments}
                uris = [uri for _, uri, _ in pl.segments]
                uris += [p.uri for p in pl.parts if p.msn not in complete]
                for uri in uris:
                    h = await conn.get(f"/{srv.app}/{key}/{uri}", method="HEAD")
                    total += int(h.headers.get("content-length", "0"))
    finally:
        conn.close()
    return total


def run_ingest(srv: Server, clip: Clip, streams: int, warm: float, measure: float,
               stagger: float, tag: str) -> IngestResult:
    srv.start()
    try:
        time.sleep(0.3)
        pids = srv.pids()
        idle = procstat.mem_sample(pids)
        keys = [f"{tag}{i}" for i in range(streams)]

        single = len(pids) == 1

        def footprint(m: procstat.MemSample) -> int:
            # One process: its RSS. nginx's master and workers share pages: the sum of their Pss.
            return m.rss if single else m.pss

        state: dict = {"peak": footprint(idle), "end_rss": footprint(idle)}

        async def main() -> list[StreamLog]:
            host, port, app = srv.rtmp_url()
            started = asyncio.Event()
            total = stagger + warm + measure + 0.5
            pub = asyncio.create_task(publish_many(host, port, app, keys, clip, total, stagger=stagger,
                                                   log=False, on_started=started))
            waiter = asyncio.create_task(started.wait())
            await asyncio.wait({pub, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if pub.done():
                return pub.result()  # connecting failed: raises

            cpu = procstat.CPUTracker(pids)
            measuring = False

            async def sample() -> None:
                while True:
                    m = procstat.mem_sample(pids)
                    state["peak"] = max(state["peak"], footprint(m))
                    if measuring:
                        cpu.sample()
                    await asyncio.sleep(0.25)

            sampler = asyncio.create_task(sample())
            await asyncio.sleep(stagger + warm)
            cpu.start()
            pa = procstat.self_cpu_seconds()
            t_a = time.monotonic()
            measuring = True
            await asyncio.sleep(measure)
            measuring = False
            cpu.sample()
            pb = procstat.self_cpu_seconds()
            t_b = time.monotonic()
            state["cpu"] = cpu.seconds
            state["cpu_ticks"] = cpu.tick_seconds
            state["publisher_cpu"] = pb - pa
            state["seconds"] = t_b - t_a
            m = procstat.mem_sample(pids)
            state["end_rss"] = footprint(m)
            state["end_hwm"] = m.hwm
            if isinstance(srv, Weir):
                state["window"] = await _weir_window_bytes(srv, keys)
                state["held"] = int(_metric_total(await asyncio.to_thread(_fetch_text, srv.http("/metrics")),
                                                  "weir_stream_window_bytes", f"{srv.app}/{tag}"))
            elif isinstance(srv, Nginx):
                state["window"] = srv.hls_bytes()
            sampler.cancel()
            return await pub

        logs = asyncio.run(main())
        # Weir's kernel-kept peak RSS is exact; nginx's peak is the highest sample.
        peak = state.get("end_hwm", 0) if isinstance(srv, Weir) else state["peak"]
        errors = [f"{l.path}: {l.error}" for l in logs if l.error]
        if not srv.alive():
            errors.append(f"{srv.name} died:\n{srv.log_tail()}")
        return IngestResult(srv.name, streams, state["cpu"], streams * state["seconds"], state["publisher_cpu"],
                            footprint(idle), state["end_rss"], peak, state.get("window", 0),
                            sum(l.late_sends for l in logs), errors, state["cpu_ticks"], state.get("held", 0))
    finally:
        srv.stop()


# ---------------------------------------------------------------- SRT against RTMP, and idle cost


@dataclass
class ProtocolResult:
    server: str
    protocol: str          # "srt" or "rtmp"
    streams: int
    cpu_seconds: float
    stream_seconds: float
    publisher_cpu_seconds: float  # the ffmpeg publishers, all of them
    errors: list[str]

    @property
    def ms_per_stream_second(self) -> float:
        return self.cpu_seconds * 1000 / self.stream_seconds


def _process_cpu_seconds(pid: int) -> float:
    st = procstat._stat_fields(pid)
    return 0.0 if st is None else (int(st[11]) + int(st[12])) / procstat.CLK_TCK


def run_protocol(srv: Server, media_file: Path, protocol: str, streams: int, warm: float, measure: float,
                 stagger: float, tag: str) -> ProtocolResult:
    """ffmpeg publishers (`-re`, stream copy, looping the clip) over SRT or RTMP; the server's CPU
    per stream-second. The same publisher program for both protocols, so only the ingest differs."""
    srv.start()
    procs: list[subprocess.Popen] = []
    errors: list[str] = []
    try:
        time.sleep(0.3)
        pids = srv.pids()
        for i in range(streams):
            key = f"{tag}{i}"
            if protocol == "srt":
                out = ["-f", "mpegts", f"srt://127.0.0.1:{srv.srt_port}?streamid=publish:{srv.app}/{key}&pkt_size=1316"]
            else:
                out = ["-f", "flv", f"rtmp://127.0.0.1:{srv.rtmp_port}/{srv.app}/{key}"]
            procs.append(subprocess.Popen(
                ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-stream_loop", "-1",
                 "-i", str(media_file), "-c", "copy", *out],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            time.sleep(stagger / max(1, streams))
        time.sleep(warm)
        cpu = procstat.CPUTracker(pids)
        cpu.start()
        before = sum(_process_cpu_seconds(p.pid) for p in procs)
        t_a = time.monotonic()
        deadline = t_a + measure
        while time.monotonic() < deadline:
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
            cpu.sample()
        seconds = time.monotonic() - t_a
        publishers = sum(_process_cpu_seconds(p.pid) for p in procs) - before
        for p in procs:
            if p.poll() is not None:
                errors.append(f"{protocol} publisher exited early ({p.returncode}): "
                              f"{(p.stderr.read() if p.stderr else b'').decode(errors='replace')[-300:]}")
        if not srv.alive():
            errors.append(f"{srv.name} died:\n{srv.log_tail()}")
        return ProtocolResult(srv.name, protocol, streams, cpu.seconds, streams * seconds, publishers, errors)
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        srv.stop()


def run_idle(srv: Server, seconds: float) -> float:
    """The server's CPU seconds per second with nothing connected."""
    srv.start()
    try:
        time.sleep(0.5)
        cpu = procstat.CPUTracker(srv.pids())
        cpu.start()
        t_a = time.monotonic()
        deadline = t_a + seconds
        while time.monotonic() < deadline:
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
            cpu.sample()
        return cpu.seconds / (time.monotonic() - t_a)
    finally:
        srv.stop()


# ---------------------------------------------------------------- reload under load


@dataclass
class ReloadResult:
    routes: int
    streams: int
    reload_ms: list[float]      # as Weir logs it: "reload applied in X ms"
    video_sent: int             # video frames the publishers sent between the two metric reads
    video_ingested: int         # weir_stream_ingest_frames_total{kind="video"} of the streams, delta
    dropped: int                # weir_stream_dropped_frames_total of the streams, delta
    parts: int                  # weir_stream_parts_total of the streams, delta
    seconds: float
    errors: list[str]


def _metric_total(text: str, name: str, prefix: str, **labels: str) -> float:
    """Sum of `name`'s samples whose stream label starts with `prefix` and that carry `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        head, _, value = line.rpartition(" ")
        if f'stream="{prefix}' not in head or any(f'{k}="{v}"' not in head for k, v in labels.items()):
            continue
        total += float(value)
    return total


def _fetch_text(url: str) -> str:
    import urllib.request
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.read().decode()


def run_reload(srv: Weir, clip: Clip, streams: int, reloads: int, interval: float, stagger: float,
               tag: str) -> ReloadResult:
    """`reloads` SIGHUPs, one every `interval` s, while `streams` publish; each reload changes the HLS
    window of every route (the live streams' own route included, which they take at their next
    segment boundary). Counts frames sent, ingested and dropped between a metrics read before the
    first reload and one after the last."""
    srv.start()
    errors: list[str] = []
    try:
        keys = [f"{tag}{i}" for i in range(streams)]
        live_route = (srv.workdir / "conf.d" / "10-live.yaml")
        live_text = live_route.read_text()

        async def main():
            host, port, app = srv.rtmp_url()
            started = asyncio.Event()
            logs: list[StreamLog] = []
            total = stagger + 3 + reloads * interval + 2
            pub = asyncio.create_task(publish_many(host, port, app, keys, clip, total, stagger=stagger, log=True,
                                                   on_started=started, logs_out=logs))
            waiter = asyncio.create_task(started.wait())
            await asyncio.wait({pub, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if pub.done():
                return pub.result(), [], "", "", 0.0, 0.0
            await asyncio.sleep(stagger + 3)
            t0 = time.monotonic()
            before = await asyncio.to_thread(_fetch_text, srv.http("/metrics"))
            times = []
            for i in range(reloads):
                window = 10 if i % 2 == 0 else 12
                live_route.write_text(live_text.replace("window: 12", f"window: {window}"))
                srv.write_extra_routes(window)
                since = len(srv.log_path.read_text(errors="replace"))
                due = time.monotonic() + interval
                srv.proc.send_signal(signal.SIGHUP)
                found = None
                while found is None and time.monotonic() < due + 10:
                    await asyncio.sleep(0.02)
                    found = re.search(r"reload applied in (\d+(?:\.\d+)?) ms",
                                      srv.log_path.read_text(errors="replace")[since:])
                if found is None:
                    errors.append(f"reload {i + 1}: no 'reload applied' line")
                else:
                    times.append(float(found.group(1)))
                await asyncio.sleep(max(0.0, due - time.monotonic()))
            after = await asyncio.to_thread(_fetch_text, srv.http("/metrics"))
            t1 = time.monotonic()
            return await pub, times, before, after, t0, t1

        logs, times, before, after, t0, t1 = asyncio.run(main())
        errors += [f"{l.path}: {l.error}" for l in logs if l.error]
        if not srv.alive():
            errors.append(f"weir died:\n{srv.log_tail()}")
        sent = sum(1 for l in logs for _, t in l.video if t0 <= t < t1)
        prefix = f"{srv.app}/{tag}"

        def delta(name: str, **labels: str) -> int:
            return int(_metric_total(after, name, prefix, **labels) - _metric_total(before, name, prefix, **labels))
        return ReloadResult(srv.extra_routes + 1, streams, times, sent,
                            delta("weir_stream_ingest_frames_total", kind="video"),
                            delta("weir_stream_dropped_frames_total"), delta("weir_stream_parts_total"),
                            t1 - t0, errors)
    finally:
        srv.stop()


# ---------------------------------------------------------------- 3: latency


@dataclass
class LatencyResult:
    server: str
    parts: latency.Delays      # Weir only (nginx-rtmp has no parts)
    segments: latency.Delays
    end_to_end: list[float]
    catch_up: int
    errors: list[str]
    requests: int


def run_latency(srv: Server, clip: Clip, streams: int, duration: float, tag: str,
                poll_interval: float) -> LatencyResult:
    srv.start()
    try:
        keys = [f"{tag}{i}" for i in range(streams)]

        async def main():
            stop = asyncio.Event()
            if isinstance(srv, Weir):
                observers = [WeirObserver("127.0.0.1", srv.http_port, f"{srv.app}/{k}") for k in keys]
            else:
                observers = [NginxObserver("127.0.0.1", srv.http_port, f"{srv.app}/{k}", poll_interval)
                             for k in keys]
            tasks = [asyncio.create_task(o.run(stop)) for o in observers]
            host, port, app = srv.rtmp_url()
            pubs = await publish_many(host, port, app, keys, clip, duration, stagger=1.0)
            # The last segment closes only when the publisher leaves; give the readers a moment.
            await asyncio.sleep(0.3)
            stop.set()
            done, late = await asyncio.wait(tasks, timeout=30)
            for t in late:
                t.cancel()
            if late:
                stuck.append(f"{len(late)} reader(s) did not stop within 30 s of the end")
            obs = [t.result() if t in done and not t.cancelled() and t.exception() is None else None for t in tasks]
            return pubs, obs

        stuck: list[str] = []
        pubs, obs = asyncio.run(main())
        parts, segments, e2e = latency.Delays(), latency.Delays(), []
        errors: list[str] = list(stuck)
        for p, o in zip(pubs, obs):
            if o is None:
                continue
            if isinstance(srv, Weir):
                d = latency.delays(p, o, "part", end_to_end=True)
                parts.extend(d)
                e2e += d.end_to_end
                segments.extend(latency.delays(p, o, "segment", end_to_end=False))
            else:
                d = latency.delays(p, o, "segment", end_to_end=True)
                segments.extend(d)
                e2e += d.end_to_end
            errors += [f"{o.path}: {e}" for e in o.errors[:5]]
            if p.error:
                errors.append(f"{p.path}: publisher: {p.error}")
        return LatencyResult(srv.name, parts, segments, e2e, sum(o.catch_up for o in obs if o), errors,
                             sum(o.requests for o in obs if o))
    finally:
        srv.stop()


# ---------------------------------------------------------------- 4: serving with wrk


@dataclass
class WrkResult:
    server: str
    target: str        # playlist, segment, blocking
    connections: int
    requests: int
    seconds: float
    errors: int        # connect/read/write errors, non-2xx and timeouts
    p50_ms: float
    p99_ms: float
    server_cpu: float  # server CPU seconds during the run
    bytes: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk(srv: Server, target: str, url: str, connections: int, seconds: float, script: str,
        args: list[str] | None = None) -> WrkResult:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s",
           "-s", str(BENCH_DIR / "wrk" / script), url]
    if args:
        cmd += ["--", *args]
    cpu = procstat.CPUTracker(srv.pids())
    cpu.start()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    cpu.sample()
    m = re.search(r"WRK_RESULT (.*)", out.stdout)
    if not m:
        raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")
    v = {k: int(x) for k, x in (kv.split("=") for kv in m.group(1).split())}
    errors = v["connect_errors"] + v["read_errors"] + v["write_errors"] + v["status_errors"] + v["timeouts"]
    return WrkResult(srv.name, target, connections, v["requests"], v["duration_us"] / 1e6, errors,
                     v["p50_us"] / 1000, v["p99_us"] / 1000, cpu.seconds, v["bytes"])


class BackgroundPublisher:
    """Publishes streams from a thread with its own event loop while the main thread runs tools."""

    def __init__(self, srv: Server, clip: Clip, keys: list[str], duration: float):
        import threading
        self.logs: list[StreamLog] = []
        self.error: BaseException | None = None
        host, port, app = srv.rtmp_url()

        def run() -> None:
            try:
                self.logs = asyncio.run(publish_many(host, port, app, keys, clip, duration, stagger=0.0))
            except BaseException as e:  # reported by the caller
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)


async def _poll_weir_ready(srv: Weir, key: str, segments: int, timeout: float) -> parse.Playlist:
    conn = Connection("127.0.0.1", srv.http_port)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                r = await conn.get(f"/{srv.app}/{key}/video.m3u8")
                if r.status == 200:
                    pl = parse.parse_playlist(r.text)
                    if len(pl.segments) >= segments:
                        return pl
            except HTTPError:
                pass
            await asyncio.sleep(0.1)
    finally:
        conn.close()
    raise RuntimeError(f"weir listed fewer than {segments} segments of {key} within {timeout:.0f} s")


async def _fetch(port: int, path: str) -> bytes:
    conn = Connection("127.0.0.1", port)
    try:
        r = await conn.get(path)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {r.status}")
        return r.body
    finally:
        conn.close()


def run_serving(srv: Server, clip: Clip, connections: list[int], seconds: float, tag: str,
                same_bytes: dict, ready_segments: int) -> list[WrkResult]:
    """wrk against a playlist, a segment and (Weir) blocking reloads, while one stream is live.

    Weir's own playlist and newest segment are saved in `same_bytes`; nginx then serves exactly
    those bytes as static files from its HLS directory, next to the stream it is packaging.
    """
    srv.start()
    key = f"{tag}0"
    results: list[WrkResult] = []
    n_runs = len(connections) * (3 if isinstance(srv, Weir) else 2)
    pub = BackgroundPublisher(srv, clip, [key], duration=n_runs * (seconds + 1.5) + 12)
    try:
        if isinstance(srv, Weir):
            pl = asyncio.run(_poll_weir_ready(srv, key, ready_segments, 20))
            base = f"/{srv.app}/{key}/"
            same_bytes["playlist"] = asyncio.run(_fetch(srv.http_port, base + "video.m3u8"))
            for c in connections:
                # The newest complete segment, picked again for each run so it stays in the window.
                pl = asyncio.run(_poll_weir_ready(srv, key, ready_segments, 20))
                seg = pl.segments[-1][1]
                if "segment" not in same_bytes:
                    same_bytes["segment"] = asyncio.run(_fetch(srv.http_port, base + seg))
                results.append(wrk(srv, "playlist", srv.http(base + "video.m3u8"), c, seconds, "report.lua"))
                results.append(wrk(srv, "segment", srv.http(base + seg), c, seconds, "report.lua"))
                nxt = parse.next_part(pl) or (0, 0)
                results.append(wrk(srv, "blocking", srv.http(base + "video.m3u8"), c, seconds, "blocking.lua",
                                   [base + "video.m3u8", str(nxt[0]), str(nxt[1])]))
        else:
            assert isinstance(srv, Nginx)
            static = srv.hls_root / "static"
            (static / "video.m3u8").write_bytes(same_bytes["playlist"])
            (static / "segment.m4s").write_bytes(same_bytes["segment"])
            # Wait until nginx-rtmp is packaging too, so both servers carry the same ingest load.
            deadline = time.monotonic() + 20
            while not (srv.hls_root / srv.app / key / "index.m3u8").exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("nginx-rtmp wrote no playlist")
                time.sleep(0.1)
            for c in connections:
                results.append(wrk(srv, "playlist", srv.http("/static/video.m3u8"), c, seconds, "report.lua"))
                results.append(wrk(srv, "segment", srv.http("/static/segment.m4s"), c, seconds, "report.lua"))
        if not srv.alive():
            raise RuntimeError(f"{srv.name} died during the serving runs:\n{srv.log_tail()}")
    finally:
        srv.stop()
        pub.join(10)
    return results


# ---------------------------------------------------------------- 5: scale of viewers


def viewerload_binary(work: Path) -> Path:
    src = BENCH_DIR / "viewerload.c"
    out = work / "viewerload"
    if out.exists() and out.stat().st_mtime >= src.stat().st_mtime:
        return out
    cc = next((c for c in ("cc", "gcc", "clang") if _which(c)), None)
    if cc is None:
        raise RuntimeError("no C compiler (cc, gcc or clang) for bench/viewerload.c")
    work.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"viewerload.{os.getpid()}")
    subprocess.run([cc, "-O2", "-Wall", "-o", str(tmp), str(src)], check=True)
    tmp.rename(out)
    return out


def _which(name: str) -> bool:
    return any(os.access(os.path.join(d, name), os.X_OK) for d in os.environ.get("PATH", "").split(":"))


@dataclass
class ViewerStep:
    viewers: int
    seconds: float
    parts_expected: int    # video parts per viewer over the scored time
    parts_fetched: int     # video parts fetched by all viewers in the scored time
    late: int              # of those, fetched later than one part target after the closing packet was sent
    lag_p50_ms: float
    lag_p99_ms: float
    requests: int
    errors: int
    server_cpu: float      # server CPU seconds per second
    loadgen_cpu: float     # load generator CPU seconds per second
    ok: bool
    ref_listed_p99_ms: float = float("nan")  # the reference reader: closing packet → part listed, p99
    attempt: int = 1


def _closing_times(pub: StreamLog, parts: dict) -> dict[tuple[int, int], float]:
    """When the packet that closes each part (the first video packet after it) was sent."""
    pairs = sorted(pub.video)
    dts = [d for d, _ in pairs]
    out = {}
    for key, (_, part_dts) in parts.items():
        if not part_dts:
            continue
        i = bisect.bisect_right(dts, max(part_dts) + 1)
        if i < len(dts):
            out[key] = pairs[i][1]
    return out


def _score(n: int, out_file: Path, t_from: float, t_to: float, wall: float, server_cpu: float,
           pub: StreamLog, parts: dict, listed: dict, part_target: float, late_fraction: float) -> ViewerStep:
    closing = _closing_times(pub, parts)
    # Parts every viewer should have fetched: closed after all viewers had joined, and early
    # enough before the end of the run to be fetched.
    scored = {k for k, t in closing.items() if t_from <= t <= t_to - 0.5}
    fetched = 0
    lags = []
    summary: dict[str, float] = {}
    with open(out_file) as f:
        for line in f:
            fields = line.split()
            if fields[0] == "summary":
                summary = {k: float(v) for k, v in (x.split("=") for x in fields[1:])}
                continue
            if fields[2] != "video":
                continue
            key = (int(fields[3]), int(fields[4]))
            if key not in scored:
                continue
            fetched += 1
            lags.append((float(fields[5]) - closing[key]) * 1000)
    limit_ms = part_target * 1000
    late = sum(1 for x in lags if x > limit_ms)
    expected = len(scored)
    errors = int(summary.get("errors", 0) + summary.get("status_errors", 0))
    loadgen = (summary.get("cpu_user", 0) + summary.get("cpu_sys", 0)) / max(summary.get("seconds", wall), 1e-9)
    ok = (errors == 0 and expected > 0 and fetched >= 0.98 * expected * n
          and late <= late_fraction * max(fetched, 1))
    # Whether the server was late to list parts at all, or only to deliver them to so many viewers.
    ref = [(listed[k] - closing[k]) * 1000 for k in scored if listed.get(k) is not None]
    return ViewerStep(n, t_to - t_from, expected, fetched, late + max(0, expected * n - fetched),
                      latency.percentile(lags, 50), latency.percentile(lags, 99),
                      int(summary.get("requests", 0)), errors, server_cpu, loadgen, ok,
                      latency.percentile(ref, 99))


def run_viewers(srv: Weir, clip: Clip, steps: list[int], seconds: float, ramp: float, work: Path,
                tag: str, late_fraction: float = 0.01, stop_on_fail: bool = True,
                retry: bool = True) -> list[ViewerStep]:
    """Steps the number of LL-HLS viewers of one live stream until parts arrive late.

    A reference reader (the harness's own, one per run) records each part's decode times, which
    place the part's closing packet in the publisher's send log; a viewer's part is late when it
    arrived more than one PART-TARGET after that packet was sent. A parts missing at the end of a
    step counts as late too.
    """
    binary = viewerload_binary(BENCH_DIR / "work")
    srv.start()
    key = f"{tag}0"
    results: list[ViewerStep] = []
    try:
        async def main() -> None:
            stop = asyncio.Event()
            obs = WeirObserver("127.0.0.1", srv.http_port, f"{srv.app}/{key}")
            host, port, app = srv.rtmp_url()
            total = 2 * len(steps) * (seconds + ramp + 2) + 8  # room for a second try of every step
            pub_logs: list[StreamLog] = []
            pub_task = asyncio.create_task(publish_many(host, port, app, [key], clip, total, stagger=0.0,
                                                        logs_out=pub_logs))
            obs_task = asyncio.create_task(obs.run(stop))
            pl = await _poll_weir_ready(srv, key, 1, 20)
            part_target = pl.part_target or 0.2
            await asyncio.sleep(1.0)
            async def step(n: int, attempt: int) -> ViewerStep:
                out_file = work / f"viewers-{n}-{attempt}.txt"
                cpu = procstat.CPUTracker(srv.pids())
                cpu.start()
                t_a = time.monotonic()
                proc = await asyncio.create_subprocess_exec(
                    str(binary), "127.0.0.1", str(srv.http_port), f"/{srv.app}/{key}", str(n),
                    f"{ramp + seconds:g}", f"{ramp:g}", str(out_file), "video", "audio")
                while proc.returncode is None:
                    try:
                        await asyncio.wait_for(proc.wait(), 0.25)
                    except asyncio.TimeoutError:
                        cpu.sample()
                t_b = time.monotonic()
                cpu.sample()
                if proc.returncode != 0:
                    raise RuntimeError(f"viewerload exited with {proc.returncode}")
                # The reference reader may still be fetching the newest parts.
                await asyncio.sleep(0.5)
                result = _score(n, out_file, t_a + ramp + 0.5, t_b, t_b - t_a,
                                cpu.seconds / (t_b - t_a), pub_logs[0], dict(obs.data),
                                {k: v.listed_at for k, v in obs.parts.items()}, part_target, late_fraction)
                result.attempt = attempt
                log(f"    {n} viewers: {'ok' if result.ok else 'LATE'} (lag p99 {result.lag_p99_ms:.0f} ms, "
                    f"{result.late} late of {result.parts_expected * n}, reference reader saw parts listed "
                    f"p99 {result.ref_listed_p99_ms:.0f} ms after closing, server CPU {result.server_cpu:.2f}, "
                    f"load generator CPU {result.loadgen_cpu:.2f})")
                return result

            for n in steps:
                result = await step(n, 1)
                results.append(result)
                if not result.ok and retry:
                    # Other work on the machine can stall either process for a moment: a step
                    # counts as late only when a second try is late too.
                    result = await step(n, 2)
                    results.append(result)
                if not result.ok and stop_on_fail:
                    break
            stop.set()
            await obs_task
            pub_task.cancel()
            try:
                await pub_task
            except (asyncio.CancelledError, Exception):
                pass

        asyncio.run(main())
    finally:
        srv.stop()
    return results
