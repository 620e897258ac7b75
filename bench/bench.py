#!/usr/bin/env python3
"""Weir against nginx-rtmp: ingest CPU, memory, latency, serving and viewer scale.

`make bench` runs everything and writes bench/RESULTS.md; `make bench-quick` (part of `make test`)
runs every measurement briefly and fails when the harness or a server is broken.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import statistics
import sys
import time
import traceback
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from benchlib import media, phases, procstat, report  # noqa: E402
from benchlib.phases import log  # noqa: E402
from benchlib.servers import NGINX_RTMP_MODULE, Nginx, Weir  # noqa: E402

PHASES = ("ingest", "srt", "reload", "memory", "latency", "serving", "viewers", "variants")


@dataclasses.dataclass
class Settings:
    reps: int
    stream_counts: list[int]
    ingest_warm: float
    ingest_stagger: float
    ingest_measure: dict[int, float]
    memory_streams: int
    memory_seconds: float
    memory_reps: int
    latency_streams: int
    latency_seconds: float
    latency_reps: int
    poll_ms: float
    wrk_connections: list[int]
    wrk_seconds: float
    wrk_reps: int
    viewer_steps: list[int]
    viewer_seconds: float
    viewer_ramp: float
    variant_names: list[str]
    variant_streams: int
    variant_seconds: float
    variant_reps: int
    srt_streams: int
    srt_seconds: float
    srt_reps: int
    idle_seconds: float
    reload_routes: int
    reload_streams: int
    reloads: int
    main_variant: str
    segment: str
    part: str
    nginx_fragment: str


FULL = Settings(
    reps=3, stream_counts=[1, 10, 30], ingest_warm=2.0, ingest_stagger=2.0,
    ingest_measure={1: 4.0, 10: 6.0, 30: 8.0},
    # 34 s: Weir then holds its full window (12 listed + 4 extra segments of 2 s) for every stream.
    memory_streams=30, memory_seconds=34.0, memory_reps=1,
    latency_streams=5, latency_seconds=23.0, latency_reps=2, poll_ms=10.0,
    wrk_connections=[50, 500], wrk_seconds=3.0, wrk_reps=2,
    viewer_steps=[100, 200, 400, 600, 800, 1200, 1600, 2400, 3200], viewer_seconds=6.0, viewer_ramp=2.0,
    variant_names=["720p", "1080p", "1080p-bf"], variant_streams=10, variant_seconds=5.0, variant_reps=1,
    srt_streams=10, srt_seconds=5.0, srt_reps=2, idle_seconds=3.0,
    reload_routes=50, reload_streams=10, reloads=10,
    main_variant="720p-bf", segment="2s", part="200ms", nginx_fragment="2s")

QUICK = Settings(
    reps=1, stream_counts=[1, 3], ingest_warm=0.3, ingest_stagger=0.2, ingest_measure={1: 1.0, 3: 1.0},
    memory_streams=3, memory_seconds=1.0, memory_reps=1,
    latency_streams=1, latency_seconds=3.5, latency_reps=1, poll_ms=10.0,
    wrk_connections=[10], wrk_seconds=1.0, wrk_reps=1,
    viewer_steps=[10], viewer_seconds=1.5, viewer_ramp=0.3,
    variant_names=[], variant_streams=0, variant_seconds=0, variant_reps=0,
    srt_streams=2, srt_seconds=1.0, srt_reps=1, idle_seconds=1.0,
    reload_routes=5, reload_streams=2, reloads=2,
    main_variant="quick", segment="2s", part="200ms", nginx_fragment="1s")


def check_tools(weir_bin: Path) -> list[str]:
    missing = []
    for tool in ("nginx", "wrk", "ffmpeg"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if not NGINX_RTMP_MODULE.exists():
        missing.append(f"libnginx-mod-rtmp ({NGINX_RTMP_MODULE})")
    if not weir_bin.exists():
        missing.append(f"weir release binary ({weir_bin}; run `make build`)")
    return missing


def pct(values: list[float], q: float) -> float:
    from benchlib.latency import percentile
    return percentile(values, q)


class Run:
    def __init__(self, args, s: Settings):
        self.args = args
        self.s = s
        self.work = Path(args.work)
        self.media_dir = BENCH / "work" / "media"
        self.weir_bin = Path(args.weir).resolve()
        self.results: dict = {"problems": []}
        self.clips: dict = {}
        self.nginx_workers = os.cpu_count() or 1
        self.counter = 0

    # -- servers, fresh for every measurement, each with its own work directory and ports

    def _dir(self, name: str) -> Path:
        self.counter += 1
        d = self.work / f"servers-{os.getpid()}" / f"{self.counter:03d}-{name}"
        d.mkdir(parents=True, exist_ok=True)
        return d

    def weir(self, srt: bool = False) -> Weir:
        return Weir(self._dir("weir"), self.weir_bin, self.s.segment, self.s.part, 12, srt=srt)

    def nginx(self) -> Nginx:
        d = self._dir("nginx")
        return Nginx(d, Path("/dev/shm") / f"weir-bench-{os.getpid()}-{self.counter}",
                     fragment=self.s.nginx_fragment, workers=self.nginx_workers)

    def servers(self, rep: int) -> list:
        """Alternates which server goes first."""
        pair = [self.weir, self.nginx]
        return pair if rep % 2 == 0 else pair[::-1]

    def clip(self, name: str):
        if name not in self.clips:
            self.clips[name] = media.clip(media.VARIANTS[name], self.media_dir, log)
        return self.clips[name]

    # -- phases

    def ingest(self) -> None:
        s = self.s
        clip = self.clip(s.main_variant)
        out = []
        for rep in range(s.reps):
            for make in self.servers(rep):
                for n in s.stream_counts:
                    srv = make()
                    res = phases.run_ingest(srv, clip, n, s.ingest_warm, s.ingest_measure[n], s.ingest_stagger,
                                            tag=f"in{rep}n{n}-")
                    row = dataclasses.asdict(res)
                    row["ms_per_stream_second"] = res.ms_per_stream_second
                    out.append(row)
                    log(f"  ingest rep {rep + 1}/{s.reps} {srv.name:5} {n:2} streams: "
                        f"{res.ms_per_stream_second:.3f} ms CPU/stream-s, peak RSS {res.peak_rss / 2**20:.1f} MB, "
                        f"window {res.window_bytes / 2**20:.1f} MB")
                    self.results["problems"] += res.errors
                    if abs(res.cpu_seconds - res.cpu_tick_seconds) > max(0.05, 0.1 * res.cpu_seconds):
                        self.results["problems"].append(
                            f"ingest {srv.name} {n} streams: scheduler clocks say {res.cpu_seconds:.3f} s CPU, "
                            f"tick counters {res.cpu_tick_seconds:.3f} s")
                    if res.late_sends:
                        self.results["problems"].append(
                            f"ingest {srv.name} {n} streams: the publisher sent {res.late_sends} tags >50 ms late")
        self.results["ingest"] = out

    def memory(self) -> None:
        s = self.s
        clip = self.clip(s.main_variant)
        out = []
        for rep in range(s.memory_reps):
            for make in self.servers(rep):
                srv = make()
                res = phases.run_ingest(srv, clip, s.memory_streams, s.ingest_warm, s.memory_seconds,
                                        s.ingest_stagger, tag=f"mem{rep}-")
                row = dataclasses.asdict(res)
                row["ms_per_stream_second"] = res.ms_per_stream_second
                out.append(row)
                log(f"  memory rep {rep + 1}/{s.memory_reps} {srv.name:5} {s.memory_streams} streams: peak "
                    f"{res.peak_rss / 2**20:.1f} MB, per stream {(res.end_rss - res.idle_rss) / s.memory_streams / 2**20:.2f} MB, "
                    f"window {res.window_bytes / 2**20:.1f} MB; {res.ms_per_stream_second:.3f} ms CPU/stream-s")
                self.results["problems"] += res.errors
        self.results["memory"] = out

    def latency(self) -> None:
        s = self.s
        clip = self.clip(s.main_variant)
        runs = {"weir": [], "nginx": []}
        for rep in range(s.latency_reps):
            for make in self.servers(rep):
                srv = make()
                res = phases.run_latency(srv, clip, s.latency_streams, s.latency_seconds, f"lat{rep}-",
                                         s.poll_ms / 1000)
                runs[srv.name].append(res)
                log(f"  latency rep {rep + 1}/{s.latency_reps} {srv.name:5}: "
                    f"{len(res.parts.closing_packet)} parts, {len(res.segments.closing_packet)} segments, "
                    f"{len(res.end_to_end)} frames; errors {len(res.errors)}")
                self.results["problems"] += [f"latency {srv.name}: {e}" for e in res.errors]
        w, g = runs["weir"], runs["nginx"]

        def cat(rs, f):
            return [v for r in rs for v in f(r)]
        rows = []

        def row(name, wv, gv):
            rows.append({"name": name, "w50": pct(wv, 50), "w99": pct(wv, 99), "n50": pct(gv, 50),
                         "n99": pct(gv, 99),
                         "ratio": (pct(wv, 50) / pct(gv, 50)) if gv and wv and pct(gv, 50) else float("nan"),
                         "samples": f"{len(wv)} / {len(gv) if gv else '–'}"})
        row("part: closing packet → listed", cat(w, lambda r: r.parts.closing_packet), [])
        row("part: last packet → listed", cat(w, lambda r: r.parts.last_packet), [])
        row("segment: closing packet → listed", cat(w, lambda r: r.segments.closing_packet),
            cat(g, lambda r: r.segments.closing_packet))
        row("segment: last packet → listed", cat(w, lambda r: r.segments.last_packet),
            cat(g, lambda r: r.segments.last_packet))
        row("end to end (frame written → decodable at the reader)", cat(w, lambda r: r.end_to_end),
            cat(g, lambda r: r.end_to_end))
        notes = [
            "A blocking reader sees a Weir segment's `#EXTINF` line in the response for the part it waits for. "
            "When a segment is completed by a window update of its own, after its last part was listed, that "
            "reader asks for the next part and sees the segment only with it, one part (~200 ms) later: that is "
            "what the high percentiles of Weir's segment rows show. Parts, which LL-HLS players follow, are "
            "not affected.",
            "nginx-rtmp stamps its MPEG-TS 700 ms after the RTMP timestamps (NGX_RTMP_HLS_DELAY); the reader "
            "takes that off before matching frames to the publisher's log.",
        ]
        catch_up = sum(r.catch_up for r in w)
        if catch_up:
            notes.append(f"{catch_up} Weir parts were first seen in a response that was not waiting for them "
                         "(the reader was behind) and are not counted.")
        unmatched = sum(r.parts.unmatched + r.segments.unmatched for r in w + g)
        if unmatched:
            notes.append(f"{unmatched} frames had a decode time the publisher never logged (not counted).")
        self.results["latency"] = {"rows": rows, "notes": notes,
                                   "weir_part_close": cat(w, lambda r: r.parts.closing_packet)}

    def serving(self) -> None:
        s = self.s
        clip = self.clip(s.main_variant)
        out = []
        same: dict = {}
        for rep in range(s.wrk_reps):
            # Weir goes first in the first repetition: nginx serves the bytes it saved.
            for make in ([self.weir, self.nginx] if rep % 2 == 0 else [self.nginx, self.weir]):
                srv = make()
                res = phases.run_serving(srv, clip, s.wrk_connections, s.wrk_seconds, f"srv{rep}-", same,
                                         ready_segments=1 if self.args.quick else 2)
                for x in res:
                    out.append(dataclasses.asdict(x))
                    log(f"  serving rep {rep + 1}/{s.wrk_reps} {x.server:5} {x.target:8} c={x.connections:3}: "
                        f"{x.rps:9.0f} req/s, p99 {x.p99_ms:.1f} ms, errors {x.errors}")
        self.results["serving"] = out

    def viewers(self) -> None:
        s = self.s
        clip = self.clip(s.main_variant)
        steps = phases.run_viewers(self.weir(), clip, s.viewer_steps, s.viewer_seconds, s.viewer_ramp,
                                   self._dir("viewers"), "view-")
        rows = [dataclasses.asdict(x) for x in steps]
        current = [x.viewers for x in steps if x.ok]
        # A step is late when its last try was.
        final = {x.viewers: x.ok for x in steps}
        late = [n for n, ok in final.items() if not ok]
        self.results["viewers"] = {"steps": rows, "max_current": max(current) if current else 0,
                                   "first_late": min(late) if late else None}

    def variants(self) -> None:
        s = self.s
        out = []
        for name in s.variant_names:
            clip = self.clip(name)
            for rep in range(s.variant_reps):
                for make in self.servers(rep):
                    srv = make()
                    res = phases.run_ingest(srv, clip, s.variant_streams, s.ingest_warm, s.variant_seconds,
                                            s.ingest_stagger, tag=f"var-{name}-")
                    row = dataclasses.asdict(res)
                    row["variant"] = name
                    row["ms_per_stream_second"] = res.ms_per_stream_second
                    out.append(row)
                    log(f"  variant {name:8} {srv.name:5}: {res.ms_per_stream_second:.3f} ms CPU/stream-s")
                    self.results["problems"] += res.errors
        self.results["variants"] = out

    def reload(self) -> None:
        s = self.s
        srv = Weir(self._dir("weir"), self.weir_bin, s.segment, s.part, 12, log_level="info",
                   extra_routes=s.reload_routes - 1)
        res = phases.run_reload(srv, self.clip(s.main_variant), s.reload_streams, s.reloads, 1.0, s.ingest_stagger,
                                tag="rl-")
        self.results["reload"] = dataclasses.asdict(res)
        self.results["problems"] += res.errors
        log(f"  {len(res.reload_ms)} reloads with {res.routes} routes and {res.streams} streams: "
            f"median {pct(res.reload_ms, 50):.1f} ms, max {max(res.reload_ms, default=float('nan')):.1f} ms; "
            f"video frames sent {res.video_sent}, ingested {res.video_ingested}, dropped {res.dropped}")

    def srt(self) -> None:
        s = self.s
        name = s.main_variant
        media_file = media.generate(media.VARIANTS[name], self.media_dir, log)
        runs = [("weir", "srt", lambda: self.weir(srt=True)), ("weir", "rtmp", lambda: self.weir(srt=True)),
                ("nginx", "rtmp", self.nginx)]
        out = []
        for rep in range(s.srt_reps):
            for _, protocol, make in (runs if rep % 2 == 0 else runs[::-1]):
                srv = make()
                res = phases.run_protocol(srv, media_file, protocol, s.srt_streams, s.ingest_warm, s.srt_seconds,
                                          s.ingest_stagger, tag=f"p{rep}{protocol}-")
                row = dataclasses.asdict(res)
                row["ms_per_stream_second"] = res.ms_per_stream_second
                out.append(row)
                log(f"  {protocol:4} rep {rep + 1}/{s.srt_reps} {srv.name:5} {s.srt_streams} streams: "
                    f"{res.ms_per_stream_second:.3f} ms CPU/stream-s")
                self.results["problems"] += res.errors
        idle = []
        for label, make in (("weir, RTMP and SRT listeners", lambda: self.weir(srt=True)),
                            ("weir, RTMP listener only", self.weir), ("nginx-rtmp", self.nginx)):
            ms = phases.run_idle(make(), s.idle_seconds) * 1000
            idle.append({"server": label, "ms_per_second": ms})
            log(f"  idle {label}: {ms:.2f} ms CPU per second")
        self.results["srt"] = {"runs": out, "idle": idle, "streams": s.srt_streams, "seconds": s.srt_seconds,
                               "reps": s.srt_reps, "idle_seconds": s.idle_seconds}

    # -- summary

    def summarize(self) -> None:
        rows = []
        r = self.results
        if "ingest" in r:
            for n in self.s.stream_counts:
                w = [x["ms_per_stream_second"] for x in r["ingest"] if x["server"] == "weir" and x["streams"] == n]
                g = [x["ms_per_stream_second"] for x in r["ingest"] if x["server"] == "nginx" and x["streams"] == n]
                q = report.ratio(w, g)
                rows.append({"measure": f"ingest CPU, ms / stream-second, {report.streams(n)}", "weir": report.spread(w, 3),
                             "nginx": report.spread(g, 3), "ratio": report._fmt(q), "goal": "≤ 0.5×",
                             "ok": (q <= 0.5) if not math.isnan(q) else None})
        if "memory" in r:
            n = self.s.memory_streams
            ws = [x for x in r["memory"] if x["server"] == "weir"]
            gs = [x for x in r["memory"] if x["server"] == "nginx"]
            if ws:
                peak = statistics.median(x["peak_rss"] for x in ws) / 2**20
                window = statistics.median(x["window_bytes"] for x in ws) / 2**20
                gpeak = statistics.median(x["peak_rss"] for x in gs) / 2**20 if gs else float("nan")
                rows.append({"measure": f"peak RSS at {n} streams, MB", "weir": report._fmt(peak, 1),
                             "nginx": report._fmt(gpeak, 1) + " (+ window in tmpfs files)",
                             "ratio": report._fmt(peak / gpeak if gpeak else float("nan")),
                             "goal": f"≤ 20 MB + 1.2 × windows = {20 + 1.2 * window:.0f} MB",
                             "ok": peak <= 20 + 1.2 * window})
                # The window as held: the listed segments and the ones kept for readers of a
                # playlist that listed them (RFC 8216 6.2.2); nginx-rtmp's directory keeps such too.
                held = statistics.median(x.get("held_bytes", 0) for x in ws) / 2**20
                ngx_files = statistics.median(x["window_bytes"] for x in gs) / 2**20 if gs else float("nan")
                rows.append({"measure": f"peak RSS at {n} streams against the window as held, MB", "weir": report._fmt(peak, 1),
                             "nginx": f"{report._fmt(gpeak, 1)} + {report._fmt(ngx_files, 0)} in tmpfs files",
                             "ratio": report._fmt(peak / (gpeak + ngx_files) if gs else float("nan")),
                             "goal": f"≤ 20 MB + 1.2 × held = {20 + 1.2 * held:.0f} MB",
                             "ok": peak <= 20 + 1.2 * held if held else None})
        if "latency" in r:
            close = r["latency"]["weir_part_close"]
            rows_l = {x["name"]: x for x in r["latency"]["rows"]}
            p99 = pct(close, 99)
            rows.append({"measure": "part listed after its closing packet, p99 ms (p50)",
                         "weir": f"{report._fmt(p99, 1)} ({report._fmt(pct(close, 50), 1)})",
                         "nginx": "no parts", "ratio": "–", "goal": "≤ 5 ms",
                         "ok": (p99 <= 5) if close else None})
            seg = rows_l["segment: closing packet → listed"]
            rows.append({"measure": "segment listed after its closing packet, p50 ms",
                         "weir": report._fmt(seg["w50"], 1), "nginx": report._fmt(seg["n50"], 1) + " (polled)",
                         "ratio": report._fmt(seg["ratio"]), "goal": "–", "ok": None})
            e2e = rows_l["end to end (frame written → decodable at the reader)"]
            rows.append({"measure": "end to end, p50 ms", "weir": report._fmt(e2e["w50"], 1),
                         "nginx": report._fmt(e2e["n50"], 1), "ratio": report._fmt(e2e["ratio"]),
                         "goal": "≤ 1000 ms (Weir)", "ok": e2e["w50"] <= 1000 if not math.isnan(e2e["w50"]) else None})
        if "serving" in r:
            for target in ("playlist", "segment"):
                for c in self.s.wrk_connections:
                    w = [x["requests"] / x["seconds"] for x in r["serving"]
                         if x["server"] == "weir" and x["target"] == target and x["connections"] == c]
                    g = [x["requests"] / x["seconds"] for x in r["serving"]
                         if x["server"] == "nginx" and x["target"] == target and x["connections"] == c]
                    q = report.ratio(w, g)
                    rows.append({"measure": f"serving a {target}, {c} connections, req/s",
                                 "weir": report.spread(w, 0), "nginx": report.spread(g, 0), "ratio": report._fmt(q),
                                 "goal": "≥ 1×", "ok": (q >= 1) if not math.isnan(q) else None})
        if "srt" in r:
            runs = r["srt"]["runs"]
            srt_ = [x["ms_per_stream_second"] for x in runs if x["protocol"] == "srt"]
            rtmp_ = [x["ms_per_stream_second"] for x in runs if x["server"] == "weir" and x["protocol"] == "rtmp"]
            ngx = [x["ms_per_stream_second"] for x in runs if x["server"] == "nginx"]
            q = report.ratio(srt_, ngx)
            rows.append({"measure": f"SRT ingest CPU, ms / stream-second, {report.streams(r['srt']['streams'])} "
                                    f"(Weir RTMP: {report.spread(rtmp_, 3)})",
                         "weir": report.spread(srt_, 3), "nginx": report.spread(ngx, 3) + " (RTMP)",
                         "ratio": report._fmt(q), "goal": "–", "ok": None})
        if "viewers" in r:
            v = r["viewers"]
            rows.append({"measure": "LL-HLS viewers of one stream kept current", "weir": str(v["max_current"]),
                         "nginx": "no LL-HLS", "ratio": "–", "goal": "–", "ok": None})
        r["summary"] = rows

    def config(self) -> dict:
        s = self.s
        d = dataclasses.asdict(s)
        d["ingest_measure"] = {str(k): v for k, v in s.ingest_measure.items()}
        d["main_variant_label"] = media.VARIANTS[s.main_variant].label
        d["variant_labels"] = {n: media.VARIANTS[n].label for n in s.variant_names}
        d["nginx_workers"] = self.nginx_workers
        d["part_seconds"] = 0.2
        return d


def validate_quick(r: dict, wanted: list[str]) -> list[tuple[str, list[str]]]:
    """What a smoke run must show for the harness to count as working: (check, problems) per phase."""
    checks: dict[str, list[str]] = {p: [] for p in wanted if p != "variants"}
    for p in checks:
        if p not in r:
            checks[p].append("produced no results")
    for x in r.get("ingest", []):
        if not x["cpu_seconds"] > 0:
            checks["ingest"].append(f"{x['server']} {x['streams']} streams: no CPU time measured")
        if x["errors"]:
            checks["ingest"].append(f"{x['server']}: {x['errors']}")
    if "memory" in r and not any(x["window_bytes"] > 0 for x in r["memory"] if x["server"] == "weir"):
        checks["memory"].append("Weir listed no media")
    lat = r.get("latency")
    if lat:
        rows = {x["name"]: x for x in lat["rows"]}
        if len(lat["weir_part_close"]) < 5:
            checks["latency"].append(f"only {len(lat['weir_part_close'])} Weir parts timed")
        e2e = rows["end to end (frame written → decodable at the reader)"]
        if math.isnan(e2e["w50"]) or math.isnan(e2e["n50"]):
            checks["latency"].append("no end-to-end samples for one of the servers")
    for x in r.get("serving", []):
        if x["requests"] == 0 or x["errors"]:
            checks["serving"].append(f"{x['server']} {x['target']}: {x['requests']} requests, {x['errors']} errors")
    rl = r.get("reload")
    if rl is not None and (not rl["reload_ms"] or rl["errors"] or rl["video_ingested"] <= 0):
        checks["reload"].append(f"{len(rl['reload_ms'])} reloads timed, {rl['video_ingested']} frames, {rl['errors']}")
    for x in r.get("srt", {}).get("runs", []):
        if not x["cpu_seconds"] > 0 or x["errors"]:
            checks["srt"].append(f"{x['server']} {x['protocol']}: {x['cpu_seconds']:.3f} s CPU, {x['errors']}")
    v = r.get("viewers")
    if v is not None and not any(s["parts_fetched"] > 0 for s in v["steps"]):
        checks["viewers"].append("no part fetched")
    for problem in r.get("problems", []):
        phase = problem.split(" ", 1)[0]
        if problem.startswith(f"{phase} failed:") and phase in checks:
            checks[phase].append(problem)
    return list(checks.items())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smoke run of a few seconds per measurement")
    ap.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated subset of {','.join(PHASES)}")
    ap.add_argument("--reps", type=int, help="repetitions of the ingest measurement")
    ap.add_argument("--weir", default=os.environ.get("WEIR_BIN", str(REPO / ".build" / "release" / "weir")),
                    help="the weir binary (default: .build/release/weir, or $WEIR_BIN)")
    ap.add_argument("--out", help="where to write the report (default bench/RESULTS.md; quick: bench/work/quick/RESULTS.md)")
    ap.add_argument("--work", help="scratch directory (default bench/work/run or bench/work/quick)")
    ap.add_argument("--report-only", action="store_true",
                    help="rewrite the report from the last run's results.json without measuring")
    args = ap.parse_args()
    s = dataclasses.replace(QUICK if args.quick else FULL)
    if args.reps:
        s.reps = args.reps
    args.work = args.work or str(BENCH / "work" / ("quick" if args.quick else "run"))
    out = Path(args.out) if args.out else (Path(args.work) / "RESULTS.md" if args.quick else BENCH / "RESULTS.md")
    if args.report_only:
        results = json.loads((Path(args.work) / "results.json").read_text())
        weir_version = results.get("weir_version") or Weir(Path(args.work), Path(args.weir)).version()
        report.write(out, results, weir_version, REPO, "make bench-quick" if args.quick else "make bench",
                     results.get("elapsed_seconds", 0))
        log(f"bench: wrote {out}")
        return 0
    missing = check_tools(Path(args.weir))
    if missing:
        print("bench: missing " + ", ".join(missing) + " (bench/install-deps.sh installs the packages)", file=sys.stderr)
        return 2
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    # Server directories of earlier runs (a concurrent run on the same checkout keeps its own).
    for old in work.glob("servers*"):
        pid = old.name.partition("-")[2]
        if not (pid.isdigit() and Path(f"/proc/{pid}").exists()):
            shutil.rmtree(old, ignore_errors=True)
    run = Run(args, s)
    run.results["source"] = report.source_state(REPO)
    wanted = [p for p in args.phases.split(",") if p]
    for p in wanted:
        if p not in PHASES:
            print(f"bench: unknown phase {p}", file=sys.stderr)
            return 2
    started = time.monotonic()
    failed = False
    machine_load = []
    for p in PHASES:
        if p not in wanted:
            continue
        t = time.monotonic()
        busy, own = procstat.machine_busy_seconds(), procstat.own_tree_seconds()
        log(f"bench: {p}")
        try:
            getattr(run, p)()
        except Exception as e:  # one broken measurement should not hide the others
            failed = True
            run.results["problems"].append(f"{p} failed: {type(e).__name__}: {e}")
            traceback.print_exc()
        took = time.monotonic() - t
        others = (procstat.machine_busy_seconds() - busy - (procstat.own_tree_seconds() - own)) / took
        machine_load.append({"phase": p, "seconds": took, "others_cores": max(0.0, others),
                             "loadavg": Path("/proc/loadavg").read_text().split()[0]})
        log(f"bench: {p} took {took:.0f} s (other processes used {max(0.0, others):.2f} cores meanwhile)")
    run.results["machine_load"] = machine_load
    run.results["config"] = run.config()
    run.summarize()
    weir_version = Weir(work, Path(args.weir)).version()
    run.results["weir_version"] = weir_version
    run.results["elapsed_seconds"] = time.monotonic() - started
    (work / "results.json").write_text(json.dumps(run.results, indent=1, default=str))
    command = "make bench-quick" if args.quick else "make bench"
    report.write(out, run.results, weir_version, REPO, command, time.monotonic() - started)
    log(f"bench: wrote {out} in {time.monotonic() - started:.0f} s")
    if args.quick:
        checks = validate_quick(run.results, wanted)
        for name, problems in checks:
            for p in problems:
                print(f"bench-quick: FAIL {name}: {p}", file=sys.stderr)
        failures = sum(1 for _, problems in checks if problems)
        log(f"bench-quick: {len(checks) - failures} passed, {failures} failed")
        return 1 if failures or failed else 0
    for row in run.results.get("summary", []):
        log(f"  {row['measure']}: Weir {row['weir']}, nginx {row['nginx']}, ratio {row['ratio']} "
            f"(goal {row['goal']}{'' if row['ok'] is None else ', met' if row['ok'] else ', MISSED'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
