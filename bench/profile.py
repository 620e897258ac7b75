#!/usr/bin/env python3
"""Profiles Weir's release binary under a benchmark load with `perf record` (cpu-clock sampling).

    python3 bench/profile.py --streams 30 --seconds 15             # ingest and packaging
    python3 bench/profile.py --streams 1 --viewers 400 --seconds 10  # serving LL-HLS viewers
    python3 bench/profile.py --streams 1 --wrk segment --seconds 8   # wrk against a segment

Writes bench/work/profile/perf.data and prints the hottest symbols (self and with children),
demangled with `swift demangle`. Hardware counters are often unavailable in VMs; cpu-clock works.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from benchlib import media, phases  # noqa: E402
from benchlib.servers import Weir  # noqa: E402


def demangle(text: str) -> str:
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    try:
        out = subprocess.run([swift, "demangle", "--simplified"], input=text, capture_output=True, text=True,
                             timeout=60)
        return out.stdout or text
    except (OSError, subprocess.TimeoutExpired):
        return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--streams", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--warm", type=float, default=4)
    ap.add_argument("--variant", default="720p-bf")
    ap.add_argument("--viewers", type=int, default=0, help="LL-HLS viewers of the first stream (bench/viewerload)")
    ap.add_argument("--wrk", choices=["playlist", "segment", "blocking"], help="wrk against the first stream")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--weir", default=os.environ.get("WEIR_BIN", str(REPO / ".build" / "release" / "weir")))
    ap.add_argument("--top", type=int, default=45)
    args = ap.parse_args()
    if shutil.which("perf") is None:
        print("profile: perf is missing (apt-get install linux-perf)", file=sys.stderr)
        return 2
    work = BENCH / "work" / "profile"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    clip = media.clip(media.VARIANTS[args.variant], BENCH / "work" / "media")
    srv = Weir(work / "weir", Path(args.weir).resolve())
    (work / "weir").mkdir()
    srv.start()
    data = work / "perf.data"
    keys = [f"p{i}" for i in range(args.streams)]
    total = args.warm + args.seconds + 3
    pub = phases.BackgroundPublisher(srv, clip, keys, total)
    try:
        time.sleep(args.warm)
        load = None
        if args.viewers:
            binary = phases.viewerload_binary(BENCH / "work")
            load = subprocess.Popen([str(binary), "127.0.0.1", str(srv.http_port), f"/{srv.app}/{keys[0]}",
                                     str(args.viewers), f"{args.seconds + 1:g}", "1", str(work / "viewers.txt"),
                                     "video", "audio"])
            time.sleep(1)
        elif args.wrk:
            pl = asyncio.run(phases._poll_weir_ready(srv, keys[0], 1, 20))
            base = f"/{srv.app}/{keys[0]}/"
            url = srv.http(base + ("video.m3u8" if args.wrk != "segment" else pl.segments[-1][1]))
            script = "blocking.lua" if args.wrk == "blocking" else "report.lua"
            nxt = pl.hint or (0, 0)
            cmd = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds + 1:g}s", "-s",
                   str(BENCH / "wrk" / script), url]
            if args.wrk == "blocking":
                cmd += ["--", base + "video.m3u8", str(nxt[0]), str(nxt[1])]
            load = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
            time.sleep(0.5)
        rec = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-p", str(srv.pid),
                                "-o", str(data)], stdout=subprocess.DEVNULL)
        time.sleep(args.seconds)
        rec.send_signal(signal.SIGINT)
        rec.wait(120)
        if load is not None:
            load.wait(30)
    finally:
        srv.stop()
        pub.join(10)
    failed = [l for l in pub.logs if l.error and "closed" not in l.error]
    if pub.error is not None or failed:
        print(f"profile: publishing failed: {pub.error or failed[0].error}\n{srv.log_tail()}", file=sys.stderr)
        return 1
    for title, extra in (("self", ["--no-children"]), ("with children", ["--children"])):
        out = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "-g", "none", "--percent-limit", "0.7",
                              "--sort", "symbol", *extra], capture_output=True, text=True)
        lines = [l for l in out.stdout.splitlines() if l.strip() and not l.startswith("#")]
        text = demangle("\n".join(lines[:args.top]))
        (work / f"top-{title.replace(' ', '-')}.txt").write_text(text)
        print(f"== hottest symbols ({title}) ==")
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
