"""Benchmark media, generated with ffmpeg once and cached under bench/work/media."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .flv import Clip, load_clip

# 16 s is a whole number of 30 fps frames, of 1024-sample AAC frames at 48 kHz and of 2 s GOPs,
# so the clip loops without a gap or a timestamp step.
PERIOD_MS = 16000
QUICK_PERIOD_MS = 3200


@dataclass(frozen=True)
class Variant:
    name: str
    width: int
    height: int
    video_bitrate: str
    bframes: bool
    gop: int = 60          # frames: 2 s at 30 fps
    period_ms: int = PERIOD_MS

    @property
    def label(self) -> str:
        return f"{self.height}p30 {self.video_bitrate}bit/s, {self.gop / 30:g} s GOP, {'B-frames' if self.bframes else 'no B-frames'}"

    def filename(self) -> str:
        return f"{self.name}-{self.period_ms}-uf.flv"


VARIANTS = {
    "720p": Variant("720p", 1280, 720, "3M", bframes=False),
    "720p-bf": Variant("720p-bf", 1280, 720, "3M", bframes=True),
    "1080p": Variant("1080p", 1920, 1080, "6M", bframes=False),
    "1080p-bf": Variant("1080p-bf", 1920, 1080, "6M", bframes=True),
    # 32-frame GOPs divide the 3.2 s clip, so keyframes stay evenly spaced across loops.
    "quick": Variant("quick", 320, 180, "300k", bframes=True, gop=32, period_ms=QUICK_PERIOD_MS),
}


def generate(v: Variant, media_dir: Path, log=print) -> Path:
    media_dir.mkdir(parents=True, exist_ok=True)
    out = media_dir / v.filename()
    if out.exists():
        return out
    tmp = out.with_suffix(f".{os.getpid()}.flv")
    seconds = v.period_ms / 1000 + 0.5
    # Temporal noise keeps the encoder at its bitrate (a plain test pattern compresses to
    # almost nothing), so the servers move as many bytes as with a camera. The servers never
    # decode, so the fastest preset does (-bf after it puts B-frames back).
    video = f"testsrc2=size={v.width}x{v.height}:rate=30,noise=alls=10:allf=t"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "lavfi", "-i", video,
           "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
           "-t", f"{seconds}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-b:v", v.video_bitrate, "-maxrate", v.video_bitrate, "-bufsize", v.video_bitrate,
           "-g", str(v.gop), "-keyint_min", str(v.gop), "-sc_threshold", "0",
           "-bf", "3" if v.bframes else "0",
           "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000",
           "-f", "flv", str(tmp)]
    log(f"  generating {out.name} ({v.label}) with ffmpeg")
    subprocess.run(cmd, check=True)
    tmp.rename(out)
    return out


def clip(v: Variant, media_dir: Path, log=print) -> Clip:
    return load_clip(generate(v, media_dir, log), v.period_ms)
