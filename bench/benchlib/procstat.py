"""CPU time and memory of a process tree, from /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                raw = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: fields start after the last ')'.
        rest = raw[raw.rfind(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(name))
    return kids


def tree(root: int) -> list[int]:
    kids = children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def _stat_fields(pid: int) -> list[bytes] | None:
    """Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return raw[raw.rfind(b")") + 2:].split()


class CPUTracker:
    """On-CPU time of a process tree over a window, to the nanosecond, threads that come and go included.

    Samples every thread's scheduler clock (`/proc/PID/task/TID/schedstat`); a thread first seen
    during the window counts from zero, and one that exits keeps what was last seen of it (sample
    often enough, e.g. every 0.25 s: thread pools retire threads only after they idled). The
    tick counters of `/proc/PID/stat` (10 ms steps) are kept as a cross-check.
    """

    def __init__(self, pids: list[int]):
        # The server's processes, listed once: scanning /proc for the tree at every sample would
        # cost the harness more than the measurement.
        self.pids = pids
        self.base: dict[tuple[int, int], int] = {}
        self.last: dict[tuple[int, int], int] = {}
        self.base_ticks = 0.0
        self.last_ticks = 0.0
        self.started = False

    def _read(self) -> tuple[dict[tuple[int, int], int], float]:
        now: dict[tuple[int, int], int] = {}
        ticks = 0
        for pid in self.pids:
            st = _stat_fields(pid)
            if st is None:
                continue
            ticks += int(st[11]) + int(st[12]) + int(st[13]) + int(st[14])
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                try:
                    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                        now[(pid, int(tid))] = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    pass
        return now, ticks / CLK_TCK

    def start(self) -> None:
        self.base, self.base_ticks = self._read()
        self.last = dict(self.base)
        self.last_ticks = self.base_ticks
        self.started = True

    def sample(self) -> None:
        now, ticks = self._read()
        self.last.update(now)
        self.last_ticks = max(self.last_ticks, ticks)

    @property
    def seconds(self) -> float:
        return sum(v - self.base.get(k, 0) for k, v in self.last.items()) / 1e9

    @property
    def tick_seconds(self) -> float:
        return self.last_ticks - self.base_ticks


@dataclass
class MemSample:
    rss: int   # sum of VmRSS (bytes); shared pages count once per process
    pss: int   # sum of Pss (bytes); shared pages split between the processes
    hwm: int   # sum of VmHWM (bytes): each process's own peak RSS


def mem_sample(pids: list[int]) -> MemSample:
    rss = pss = hwm = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1]) * 1024
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return MemSample(rss, pss, hwm)


def self_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have spent busy since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    # guest time is already counted in user time
    return (sum(fields[:8]) - idle) / CLK_TCK


def own_tree_seconds() -> float:
    """CPU seconds of this process and of every child it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
