"""Starts and stops a `weir` server on free loopback ports with a temporary config."""

from __future__ import annotations

import atexit
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from hlswalker import http_get
from media import REPO

LIVE: list["WeirServer"] = []  # running servers, for failure reports


@atexit.register
def _stop_leftovers() -> None:
    # Servers run in their own session, so an interrupted test run must end them itself.
    for srv in list(LIVE):
        if srv.proc is not None and srv.proc.poll() is None:
            srv.proc.kill()


def weir_bin() -> Path:
    # Absolute, since the server runs with its temporary directory as working directory.
    return Path(os.environ.get("WEIR_BIN", REPO / ".build" / "release" / "weir")).absolute()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_bound(port: int, kind: int = socket.SOCK_STREAM) -> bool:
    """Whether someone holds the port: a socket without SO_REUSEADDR cannot bind it then."""
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        return False


def udp_bound(port: int) -> bool:
    return port_bound(port, socket.SOCK_DGRAM)


def wait_until(pred, timeout: float = 10.0, step: float = 0.1) -> bool:
    """Polls pred every `step` s until it holds or `timeout` s have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def route_yaml(name: str = "live", match: str = "live/*", segment: str = "2s", part: str = "200ms",
               window: int = 12, extra_hls: str = "", reconnect_window: str = "0s", extra: str = "",
               ingest: str = "[rtmp]") -> str:
    """One route. Tests end an event the moment its publisher goes away (reconnect_window 0)
    unless they are about reconnects."""
    hls = f"segment: {segment}, part: {part}, window: {window}"
    if extra_hls:
        hls += f", {extra_hls}"
    return (
        "routes:\n"
        f"  - name: {name}\n"
        f"    match: {match}\n"
        f"    ingest: {ingest}\n"
        f"    reconnect_window: {reconnect_window}\n"
        + "".join(f"    {line}\n" for line in extra.splitlines() if line.strip())
        + "    outputs:\n"
        f"      - hls: {{ {hls} }}\n"
    )


class WeirServer:
    """One `weir run` process; stop() ends it by PID (SIGTERM, then SIGKILL after 10 s).

    The SRT listener binds srt_port, or a free UDP port of its own when none is given.

    http_extra and rtmp_extra add flow-mapping entries to the `http:` and `ingest: rtmp:`
    sections (e.g. "max_request_target: 1024"); main_extra adds lines to the main file;
    pid_file runs `weir run --pid-file WORKDIR/weir.pid`.
    """

    def __init__(self, workdir: Path, routes: dict[str, str] | None = None, log_level: str = "info",
                 srt_port: int | None = None, *, http_extra: str = "", rtmp_extra: str = "",
                 main_extra: str = "", pid_file: bool = False):
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port()
        self.rtmp_port = free_port()
        # Always on a free port of its own: the default (UDP 8890) may be held by another Weir.
        self.srt_port = srt_port if srt_port is not None else free_udp_port()
        self.routes = routes if routes is not None else {"10-live.yaml": route_yaml()}
        self.log_level = log_level
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "weir.log"
        self.config_path = workdir / "weir.yaml"
        self.exit_problem = ""
        self.http_extra = http_extra
        self.rtmp_extra = rtmp_extra
        self.main_extra = main_extra
        self.pid_path = workdir / "weir.pid" if pid_file else None

    # -- addresses

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def url(self, path: str) -> str:
        return f"{self.http_base}/{path.lstrip('/')}"

    def rtmp_url(self, path: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{path.lstrip('/')}"

    def srt_url(self, query: str = "") -> str:
        """srt://127.0.0.1:PORT, with `?query` when given (the caller's options, verbatim)."""
        if self.srt_port is None:
            raise ValueError("this server has no SRT listener (pass srt_port)")
        return f"srt://127.0.0.1:{self.srt_port}" + (f"?{query}" if query else "")

    # -- lifecycle

    def main_config_text(self) -> str:
        srt = f'  srt: {{ listen: "127.0.0.1:{self.srt_port}" }}\n' if self.srt_port is not None else ""
        http_more = f", {self.http_extra}" if self.http_extra else ""
        rtmp_more = f", {self.rtmp_extra}" if self.rtmp_extra else ""
        return (
            "include: conf.d\n"
            f"log: {{ level: {self.log_level} }}\n"
            f'http: {{ listen: "127.0.0.1:{self.http_port}"{http_more} }}\n'
            "ingest:\n"
            f'  rtmp: {{ listen: "127.0.0.1:{self.rtmp_port}"{rtmp_more} }}\n'
            + srt
            + "".join(f"{line}\n" for line in self.main_extra.splitlines() if line.strip())
        )

    def write_main(self) -> None:
        """(Re)writes the main file from the current settings, e.g. after changing log_level."""
        self.config_path.write_text(self.main_config_text())

    def write_config(self) -> None:
        confd = self.workdir / "conf.d"
        confd.mkdir(exist_ok=True)
        self.write_main()
        for name, text in self.routes.items():
            (confd / name).write_text(text)

    def start(self, timeout: float = 20.0) -> "WeirServer":
        binary = weir_bin()
        if not binary.exists():
            raise FileNotFoundError(f"weir binary not found at {binary} (set WEIR_BIN or run `make build`)")
        self.write_config()
        log = open(self.log_path, "wb")
        cmd = [str(binary), "run", "--config", str(self.config_path)]
        if self.pid_path is not None:
            cmd += ["--pid-file", str(self.pid_path)]
        self.proc = subprocess.Popen(cmd,
                                     cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        LIVE.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weir exited with {self.proc.returncode} during startup:\n{self.log_tail()}")
            r = http_get(self.url("/healthz"), timeout=1.0)
            if r.status == 200:
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"weir did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Stops the server; records in exit_problem a crash or a hang on SIGTERM."""
        if self.proc is None:
            return
        if self in LIVE:
            LIVE.remove(self)
        if self.proc.poll() is not None:
            self.exit_problem = f"weir had already exited with {self.proc.returncode} before teardown"
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            self.exit_problem = "weir did not exit within 10 s of SIGTERM"

    def log_tail(self, lines: int = 80) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(text[-lines:])

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    # -- operating a running server

    def reload(self) -> None:
        """Sends SIGHUP to this server's process (by PID)."""
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError("weir is not running")
        self.proc.send_signal(signal.SIGHUP)

    def route_file(self, name: str) -> Path:
        return self.workdir / "conf.d" / name

    def log_size(self) -> int:
        """The log's length in characters now; pass it as `since` to look only at later lines."""
        return len(self.log_text())

    def wait_log(self, pattern: str, since: int = 0, timeout: float = 10.0) -> re.Match | None:
        """Polls the log (from character `since`) until the regex matches; None on timeout."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log_text(), since)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.05)

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Scrapes /metrics: {(name, sorted label pairs): value}. Raises if the scrape fails."""
        r = http_get(self.url("/metrics"))
        if r.status != 200:
            raise AssertionError(f"/metrics: {r.brief()}")
        return parse_samples(r.text)


_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


def parse_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A lenient reader of Prometheus text samples, for tests that only want values."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            continue
        labels = tuple(sorted((k, v) for k, v in _LABEL.findall(m.group(2) or "")))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric(samples: dict, name: str, **labels: str) -> float | None:
    """The value of the one sample with this name whose labels include `labels`; None if absent."""
    want = set(labels.items())
    found = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    if len(found) > 1:
        raise AssertionError(f"{len(found)} samples of {name} match {labels}")
    return found[0] if found else None


def require_binary() -> None:
    """As the conftest fixtures do: fail when WEIR_BIN names a missing file, skip when the
    default binary is missing."""
    import pytest
    path = weir_bin()
    if path.exists():
        return
    if "WEIR_BIN" in os.environ:
        pytest.fail(f"WEIR_BIN={path} does not exist")
    pytest.skip(f"no weir binary at {path} (run `make build`, or set WEIR_BIN)")


class ServerPool:
    """Servers a test module started with non-default settings; stop_all() ends each by PID."""

    def __init__(self, tmp_factory, name: str):
        self.tmp_factory = tmp_factory
        self.name = name
        self.servers: list[WeirServer] = []

    def start(self, routes: dict[str, str] | None = None, **kw) -> WeirServer:
        # The SRT listener defaults to 0.0.0.0:8890, which another server may hold.
        kw.setdefault("srt_port", free_udp_port())
        srv = WeirServer(self.tmp_factory.mktemp(f"weir-{self.name}"), routes, **kw)
        self.servers.append(srv)
        srv.start()
        return srv

    def stop_all(self) -> list[str]:
        problems = []
        for srv in self.servers:
            srv.stop()
            if srv.exit_problem:
                problems.append(f"{srv.exit_problem}\n--- log tail ---\n{srv.log_tail(60)}")
        return problems
