"""Real RTMP publishers (ffmpeg, GStreamer rtmp2sink, GStreamer rtmpsink/librtmp) as processes."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def gst_element(name: str) -> bool:
    if not have("gst-inspect-1.0"):
        return False
    r = subprocess.run(["gst-inspect-1.0", "--exists", name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
    return r.returncode == 0


def _start(cmd: list[str], log: Path, name: str) -> subprocess.Popen:
    f = open(log, "wb")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                         start_new_session=True)
    f.close()
    p.log_path = log  # type: ignore[attr-defined]
    p.name = name  # type: ignore[attr-defined]
    p.cmd = cmd  # type: ignore[attr-defined]
    return p


def ffmpeg_cmd(src: Path, url: str) -> list[str]:
    # -re paces the file in real time, as a live encoder would.
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-re", "-i", str(src), "-c", "copy",
            "-f", "flv", url]


def rtmp2sink_cmd(src: Path, url: str) -> list[str]:
    # rtmp2sink is a base sink with sync=true by default: it waits for each buffer's
    # running time, so the file goes out in real time like ffmpeg -re (checked: a
    # 10 s file takes 10 s).
    return ["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!", "flvdemux", "name=d",
            "d.video", "!", "queue", "!", "h264parse", "!", "flvmux", "name=m", "streamable=true", "!",
            "rtmp2sink", f"location={url}", "sync=true",
            "d.audio", "!", "queue", "!", "aacparse", "!", "m."]


def rtmpsink_cmd(src: Path, url: str) -> list[str]:
    # librtmp takes options after the URL, separated by spaces; gst-launch keeps one
    # argv element as one property value. Synced like rtmp2sink.
    return ["gst-launch-1.0", "-q", "filesrc", f"location={src}", "!", "flvdemux", "name=d",
            "d.video", "!", "queue", "!", "h264parse", "!", "flvmux", "name=m", "streamable=true", "!",
            "rtmpsink", f"location={url} live=1", "sync=true",
            "d.audio", "!", "queue", "!", "aacparse", "!", "m."]


PUBLISHERS = {
    "ffmpeg": (ffmpeg_cmd, "ffmpeg", None),
    "rtmp2sink": (rtmp2sink_cmd, "gst-launch-1.0", "rtmp2sink"),
    "rtmpsink": (rtmpsink_cmd, "gst-launch-1.0", "rtmpsink"),
}


def available(publisher: str) -> str | None:
    """None if the publisher can run here, else why not."""
    _, tool, element = PUBLISHERS[publisher]
    if not have(tool):
        return f"{tool} not installed"
    if element and not gst_element(element):
        return f"GStreamer element {element} not available"
    return None


class Processes:
    """Processes a test started; stop_all() ends each by its PID."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.procs: list[subprocess.Popen] = []
        self.n = 0

    def publish(self, publisher: str, src: Path, url: str) -> subprocess.Popen:
        make, _, _ = PUBLISHERS[publisher]
        self.n += 1
        p = _start(make(src, url), self.logdir / f"{self.n:02d}-{publisher}.log", publisher)
        self.procs.append(p)
        return p

    def start(self, cmd: list[str], name: str) -> subprocess.Popen:
        self.n += 1
        p = _start(cmd, self.logdir / f"{self.n:02d}-{name}.log", name)
        self.procs.append(p)
        return p

    @staticmethod
    def log(p: subprocess.Popen) -> str:
        try:
            return Path(p.log_path).read_text(errors="replace")[-3000:]  # type: ignore[attr-defined]
        except OSError:
            return ""

    @staticmethod
    def stop(p: subprocess.Popen, timeout: float = 5.0) -> None:
        if p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGCONT)
            p.send_signal(signal.SIGTERM)
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout)
        except ProcessLookupError:
            pass

    def stop_all(self) -> None:
        for p in self.procs:
            self.stop(p)
