"""Weir and nginx-rtmp, each on loopback ports of its own, started and stopped by PID."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from . import procstat

NGINX_RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(url: str, timeout: float = 1.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


class Server:
    name = "server"
    app = "live"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.http_port = free_port()
        self.rtmp_port = free_port()
        # SRT binds UDP 8890 unless told otherwise; another Weir on this machine may hold it.
        self.srt_port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"{self.name}.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def pids(self) -> list[int]:
        return procstat.tree(self.pid)

    def http(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}/{path.lstrip('/')}"

    def _spawn(self, argv: list[str]) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()

    def _wait_http(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if http_status(self.http(path), 0.5) > 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer on port {self.http_port}:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM to the server's PID; SIGKILL to its PID (and then its children's) after 10 s."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            pids = self.pids()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            for pid in pids[1:]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.proc = None

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # Names of what a stream produces, per server.
    def rtmp_url(self) -> tuple[str, int, str]:
        return "127.0.0.1", self.rtmp_port, self.app


class Weir(Server):
    name = "weir"

    def __init__(self, workdir: Path, binary: Path, segment: str = "2s", part: str = "200ms", window: int = 12,
                 srt: bool = False, log_level: str = "warning", extra_routes: int = 0):
        super().__init__(workdir)
        self.binary = binary
        self.segment, self.part, self.window = segment, part, window
        # Off unless a measurement needs it: nginx-rtmp has no SRT, and libsrt's receive thread
        # polls even when nobody is connected (the "srt" phase measures that standing cost).
        self.srt = srt
        self.log_level = log_level
        # Routes besides `live`, matching paths nobody publishes to (a reload measurement's table).
        self.extra_routes = extra_routes

    def start(self) -> "Weir":
        confd = self.workdir / "conf.d"
        confd.mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "weir.yaml"
        (confd / "10-live.yaml").write_text(
            "routes:\n"
            "  - name: live\n"
            "    match: live/*\n"
            f"    ingest: [{'rtmp, srt' if self.srt else 'rtmp'}]\n"
            "    outputs:\n"
            f"      - hls: {{ segment: {self.segment}, part: {self.part}, window: {self.window} }}\n")
        if self.extra_routes:
            self.write_extra_routes(self.window)
        # Every publisher and viewer of the benchmark comes from 127.0.0.1: lift the per-address
        # connection limits (0 = none). Builds older than those options refuse the keys.
        for limits in (True, False):
            extra = ", max_connections_per_address: 0" if limits else ""
            conf.write_text(
                "include: conf.d\n"
                f"log: {{ level: {self.log_level} }}\n"
                f'http: {{ listen: "127.0.0.1:{self.http_port}"{extra} }}\n'
                "ingest:\n"
                f'  rtmp: {{ listen: "127.0.0.1:{self.rtmp_port}"{extra} }}\n'
                + (f'  srt: {{ listen: "127.0.0.1:{self.srt_port}" }}\n' if self.srt else ""))
            check = subprocess.run([str(self.binary), "check", "--config", str(conf)], capture_output=True,
                                   text=True, timeout=30)
            if check.returncode == 0 or "max_connections_per_address" not in check.stdout + check.stderr:
                break
        self._spawn([str(self.binary), "run", "--config", str(conf)])
        self._wait_http("/healthz", 20)
        return self

    def write_extra_routes(self, window: int) -> None:
        """conf.d/20-more.yaml with the extra routes, each with HLS window `window`."""
        lines = ["routes:"]
        for i in range(self.extra_routes):
            lines += [f"  - name: more{i}", f"    match: more{i}/*", "    ingest: [rtmp]", "    outputs:",
                      f"      - hls: {{ segment: {self.segment}, part: {self.part}, window: {window} }}"]
        (self.workdir / "conf.d" / "20-more.yaml").write_text("\n".join(lines) + "\n")

    def version(self) -> str:
        try:
            out = subprocess.run([str(self.binary), "version"], capture_output=True, text=True, timeout=10)
            return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "?"
        except (OSError, subprocess.TimeoutExpired):
            return "?"

    # URLs (relative to the HTTP root)
    def playlist(self, key: str, track: str = "video") -> str:
        return f"{self.app}/{key}/{track}.m3u8"


class Nginx(Server):
    name = "nginx"

    def __init__(self, workdir: Path, hls_root: Path, fragment: str = "2s", playlist_length: str = "24s",
                 workers: int = 0):
        super().__init__(workdir)
        # The HLS directory lives on tmpfs so that nginx-rtmp's fragment writes cost what
        # Weir's in-memory window does, not what this machine's disk does.
        self.hls_root = hls_root
        self.fragment, self.playlist_length = fragment, playlist_length
        self.workers = workers or os.cpu_count() or 1

    def start(self) -> "Nginx":
        if self.hls_root.exists():
            shutil.rmtree(self.hls_root)
        hls_dir = self.hls_root / self.app
        hls_dir.mkdir(parents=True)
        (self.hls_root / "static").mkdir()
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.workdir / "temp" / d).mkdir(parents=True, exist_ok=True)
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = self.workdir / "nginx.conf"
        conf.write_text(f"""
{user}daemon off;
master_process on;
worker_processes {self.workers};
pid {self.workdir}/nginx.pid;
error_log {self.workdir}/error.log warn;
load_module {NGINX_RTMP_MODULE};
worker_rlimit_nofile 20000;
events {{ worker_connections 8192; }}
rtmp {{
    server {{
        listen 127.0.0.1:{self.rtmp_port};
        chunk_size 4096;
        application {self.app} {{
            live on;
            record off;
            hls on;
            hls_path {hls_dir};
            hls_nested on;
            hls_fragment {self.fragment};
            hls_playlist_length {self.playlist_length};
        }}
    }}
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path {self.workdir}/temp/client_body;
    proxy_temp_path {self.workdir}/temp/proxy;
    fastcgi_temp_path {self.workdir}/temp/fastcgi;
    uwsgi_temp_path {self.workdir}/temp/uwsgi;
    scgi_temp_path {self.workdir}/temp/scgi;
    types {{
        application/vnd.apple.mpegurl m3u8;
        video/mp2t ts;
        video/mp4 m4s mp4;
    }}
    server {{
        listen 127.0.0.1:{self.http_port} backlog=4096;
        root {self.hls_root};
        location / {{
            add_header Cache-Control no-cache;
            add_header Access-Control-Allow-Origin *;
        }}
    }}
}}
""")
        self._spawn(["nginx", "-p", str(self.workdir), "-e", str(self.workdir / "error.log"), "-c", str(conf)])
        self._wait_http("/", 10)
        return self

    def stop(self) -> None:
        super().stop()
        if self.hls_root.exists():
            shutil.rmtree(self.hls_root, ignore_errors=True)

    @staticmethod
    def version() -> str:
        out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
        return (out.stderr or out.stdout).strip().replace("nginx version: ", "")

    def playlist(self, key: str, track: str = "video") -> str:
        return f"{self.app}/{key}/index.m3u8"

    def hls_bytes(self) -> int:
        total = 0
        for p in self.hls_root.rglob("*"):
            try:
                if p.is_file():
                    total += p.stat().st_size
            except OSError:
                pass
        return total
