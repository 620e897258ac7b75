"""Starts and stops a `weir` server on free loopback ports with a temporary config."""

from __future__ import annotations

import atexit
import os
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
    """One `weir run` process; stop() ends it by PID (SIGTERM, then SIGKILL after 10 s)."""

    def __init__(self, workdir: Path, routes: dict[str, str] | None = None, log_level: str = "info"):
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.http_port = free_port()
        self.rtmp_port = free_port()
        self.routes = routes if routes is not None else {"10-live.yaml": route_yaml()}
        self.log_level = log_level
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / "weir.log"
        self.config_path = workdir / "weir.yaml"
        self.exit_problem = ""

    # -- addresses

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def url(self, path: str) -> str:
        return f"{self.http_base}/{path.lstrip('/')}"

    def rtmp_url(self, path: str) -> str:
        return f"rtmp://127.0.0.1:{self.rtmp_port}/{path.lstrip('/')}"

    # -- lifecycle

    def write_config(self) -> None:
        confd = self.workdir / "conf.d"
        confd.mkdir(exist_ok=True)
        self.config_path.write_text(
            "include: conf.d\n"
            f"log: {{ level: {self.log_level} }}\n"
            f'http: {{ listen: "127.0.0.1:{self.http_port}" }}\n'
            "ingest:\n"
            f'  rtmp: {{ listen: "127.0.0.1:{self.rtmp_port}" }}\n'
        )
        for name, text in self.routes.items():
            (confd / name).write_text(text)

    def start(self, timeout: float = 20.0) -> "WeirServer":
        binary = weir_bin()
        if not binary.exists():
            raise FileNotFoundError(f"weir binary not found at {binary} (set WEIR_BIN or run `make build`)")
        self.write_config()
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(binary), "run", "--config", str(self.config_path)],
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
