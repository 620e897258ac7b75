"""Generated test media (cached by command) and what the source contains."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WEIR_TEST_MEDIA", REPO / ".build" / "testmedia"))


@dataclass(frozen=True)
class MediaSpec:
    name: str
    size: str = "1280x720"
    fps: int = 30
    seconds: int = 10
    gop: int = 60
    tune: str | None = None
    bitrate: str = "1M"

    def command(self, out: Path) -> list[str]:
        keyint = ["-g", str(self.gop), "-keyint_min", str(self.gop), "-sc_threshold", "0"]
        tune = ["-tune", self.tune] if self.tune else []
        return [
            "ffmpeg", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={self.size}:rate={self.fps}:duration={self.seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={self.seconds}",
            "-c:v", "libx264", "-preset", "veryfast", *tune, "-b:v", self.bitrate, "-pix_fmt", "yuv420p",
            *keyint,
            "-c:a", "aac", "-b:a", "96k", "-ac", "2", "-ar", "48000",
            "-shortest", "-f", "flv", str(out),
        ]


SPECS = {
    # libx264 defaults: B-frames; 2 s GOP.
    "bframes": MediaSpec("bframes"),
    # No B-frames.
    "zerolatency": MediaSpec("zerolatency", tune="zerolatency"),
    # OBS's default "auto" keyframe interval: 250 frames, over 8 s at 30 fps.
    "gop250": MediaSpec("gop250", seconds=20, gop=250),
    # Longer, smaller stream for tests that need a publisher alive for a while.
    "long": MediaSpec("long", size="640x360", seconds=60, bitrate="500k"),
    # 25 fps (40 ms frames, so equal RTMP deltas) for raw chunk-stream tests.
    "small25": MediaSpec("small25", size="320x240", fps=25, seconds=6, gop=25, tune="zerolatency", bitrate="300k"),
}


@dataclass
class SourceInfo:
    """Timestamps (ms, as in the FLV) and decoded-frame hashes of a source file."""

    path: Path
    spec: MediaSpec
    video_pts: list[int]
    video_dts: list[int]
    video_keys: list[bool]
    audio_pts: list[int]
    frame_md5: dict[str, int]  # decoded frame hash -> source PTS (ms)

    @property
    def video_frames(self) -> int:
        return len(self.video_pts)

    @property
    def gop_frames(self) -> int:
        return self.spec.gop

    @property
    def gop_seconds(self) -> float:
        return self.spec.gop / self.spec.fps


def _run(cmd: list[str], timeout: float = 300) -> str:
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p.stdout


def frame_hashes(path: Path, copyts: bool = True) -> list[tuple[float, str]]:
    """(PTS in ms, md5) of every decoded video frame, in output order."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error"]
    if copyts:
        cmd.append("-copyts")
    cmd += ["-i", str(path), "-map", "0:v:0", "-fps_mode", "passthrough", "-enc_time_base", "-1",
            "-f", "framemd5", "-"]
    out = _run(cmd)
    tb = None
    frames = []
    for line in out.splitlines():
        if line.startswith("#tb 0:"):
            num, den = line.split(":", 1)[1].strip().split("/")
            tb = (int(num), int(den))
        elif line and not line.startswith("#"):
            fields = [f.strip() for f in line.split(",")]
            if tb is None:
                raise RuntimeError("framemd5 output without a time base")
            pts = int(fields[2])
            frames.append((pts * 1000.0 * tb[0] / tb[1], fields[5]))
    return frames


def probe_source(path: Path, spec: MediaSpec) -> SourceInfo:
    out = _run(["ffprobe", "-v", "error", "-show_entries", "stream=index,codec_type:packet=stream_index,pts,dts,flags",
                "-of", "json", str(path)])
    j = json.loads(out)
    kinds = {s["index"]: s["codec_type"] for s in j["streams"]}
    vp, vd, vk, ap = [], [], [], []
    for p in j["packets"]:
        kind = kinds.get(p["stream_index"])
        if kind == "video":
            vp.append(int(p["pts"]))
            vd.append(int(p["dts"]))
            vk.append("K" in p.get("flags", ""))
        elif kind == "audio":
            ap.append(int(p["pts"]))
    md5 = {}
    for pts, h in frame_hashes(path):
        md5[h] = round(pts)
    return SourceInfo(path, spec, vp, vd, vk, ap, md5)


def ensure_media(name: str) -> SourceInfo:
    """Generates the named media once (cached under .build/testmedia by its command) and probes it."""
    spec = SPECS[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(json.dumps(spec.command(Path("OUT"))).encode()).hexdigest()[:12]
    path = CACHE / f"{name}-{key}.flv"
    info_path = CACHE / f"{name}-{key}.json"
    if not path.exists():
        tmp = path.with_suffix(f".tmp{os.getpid()}.flv")
        _run(spec.command(tmp))
        os.replace(tmp, path)
    if info_path.exists():
        try:
            d = json.loads(info_path.read_text())
            return SourceInfo(path, spec, d["vp"], d["vd"], d["vk"], d["ap"], d["md5"])
        except (ValueError, KeyError):
            pass
    info = probe_source(path, spec)
    tmp = info_path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps({"vp": info.video_pts, "vd": info.video_dts, "vk": info.video_keys,
                               "ap": info.audio_pts, "md5": info.frame_md5}))
    os.replace(tmp, info_path)
    return info
