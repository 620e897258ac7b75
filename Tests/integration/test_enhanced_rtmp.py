"""Enhanced RTMP: the in-repo publisher (tools/erpublish) sends H.265 (and AV1) into weir.

Debian 12's ffmpeg 5.1 and OBS 29.0 cannot send Enhanced RTMP, so the publisher is ours,
written from the specification. The runs publish at once on different keys of one server;
the strict walker follows the LL-HLS output, then ffmpeg decodes it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import fmp4
import publishers
from hlswalker import HLSWalker, decode_errors, http_get
from media import REPO

pytestmark = pytest.mark.server

ERPUBLISH = REPO / "tools" / "erpublish" / "erpublish.py"
SIZE, FPS, SECONDS, GOP = "640x360", 30, 6, 60
FRAMES = FPS * SECONDS


@dataclass(frozen=True)
class Clip:
    name: str
    encoder: str
    video_args: tuple[str, ...]
    audio: bool
    sample_entry: str
    codec_name: str
    codecs_pattern: str


CLIPS = {
    # libx265 ultrafast uses B-frames: CodedFrames with composition times and CodedFramesX.
    "hevc": Clip("hevc", "libx265",
                 ("-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
                  "-x265-params", f"keyint={GOP}:min-keyint={GOP}:scenecut=0:log-level=error"),
                 True, "hvc1", "hevc", r"hvc1\.1\.6\.L\d+\.[0-9A-F]+(\.[0-9A-F]+)*"),
    # AV1 from SVT-AV1, video only.
    "av1": Clip("av1", "libsvtav1", ("-c:v", "libsvtav1", "-preset", "12", "-g", str(GOP)),
                False, "av01", "av1", r"av01\.0\.\d\dM\.08"),
}


def ffmpeg_encoders() -> str:
    if not publishers.have("ffmpeg"):
        return ""
    p = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=30)
    return p.stdout


def make_clip(clip: Clip, out: Path) -> None:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y",
           "-f", "lavfi", "-i", f"testsrc2=size={SIZE}:rate={FPS}:duration={SECONDS}"]
    if clip.audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}"]
    cmd += [*clip.video_args, "-pix_fmt", "yuv420p"]
    if clip.audio:
        cmd += ["-c:a", "aac", "-b:a", "96k", "-ac", "2", "-shortest"]
    cmd.append(str(out))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")


@dataclass
class Run:
    clip: Clip
    key: str
    skipped: str | None = None
    path: Path | None = None
    walker: HLSWalker | None = None
    proc: subprocess.Popen | None = None
    publisher_log: str = ""
    files: dict[str, Path] = field(default_factory=dict)


@pytest.fixture(scope="module")
def runs(weir, module_procs, tmp_path_factory) -> dict[str, Run]:
    if not publishers.have("ffmpeg") or not publishers.have("ffprobe"):
        pytest.skip("ffmpeg/ffprobe not installed (run scripts/install-deps.sh)")
    encoders = ffmpeg_encoders()
    media_dir = tmp_path_factory.mktemp("erpublish-media")
    out: dict[str, Run] = {}
    for name, clip in CLIPS.items():
        r = Run(clip, f"er{name}")
        if not re.search(rf"^\s*V\S*\s+{clip.encoder}\s", encoders, re.M):
            r.skipped = f"ffmpeg has no {clip.encoder} encoder"
        else:
            r.path = media_dir / f"{name}.mp4"
            make_clip(clip, r.path)  # before the clock starts
        out[name] = r
    active = [r for r in out.values() if not r.skipped]
    for r in active:
        r.walker = HLSWalker(weir.http_base, f"live/{r.key}", deadline=SECONDS + 40, label=r.key).start()
    for r in active:
        # Paced in real time, as a live encoder sends.
        r.proc = module_procs.start([sys.executable, str(ERPUBLISH), str(r.path), weir.rtmp_url(f"live/{r.key}")],
                                    f"erpublish-{r.clip.name}")
    for r in active:
        try:
            r.proc.wait(SECONDS + 40)
        except subprocess.TimeoutExpired:
            module_procs.stop(r.proc)
        r.publisher_log = module_procs.log(r.proc)
    for r in active:
        r.walker.join()
        r.walker.analyse()
        r.files = r.walker.assemble(tmp_path_factory.mktemp(r.key))
    return out


def get_run(runs, name) -> Run:
    r = runs[name]
    if r.skipped:
        pytest.skip(r.skipped)
    return r


@pytest.mark.parametrize("name", list(CLIPS))
def test_publisher_finished(runs, name):
    """erpublish streamed the whole file and exited 0: the server accepted every tag."""
    r = get_run(runs, name)
    assert r.proc.returncode == 0, f"erpublish exited {r.proc.returncode}:\n{r.publisher_log}"


@pytest.mark.parametrize("name", list(CLIPS))
def test_walk_is_clean(runs, name):
    """Every playlist, init, part and segment fetched and checked against the contract."""
    r = get_run(runs, name)
    r.walker.check()
    want = {"video", "audio"} if r.clip.audio else {"video"}
    assert set(r.walker.tracks) == want, f"tracks: {list(r.walker.tracks)}"


@pytest.mark.parametrize("name", list(CLIPS))
def test_multivariant_codecs(runs, name):
    """CODECS names the Enhanced RTMP codec from its configuration record."""
    r = get_run(runs, name)
    mv = r.walker.multivariant
    assert mv is not None, r.walker.summary()
    assert len(mv.variants) == 1, mv.text
    attrs, _ = mv.variants[0]
    codecs = attrs.get("CODECS", "").split(",")
    assert re.fullmatch(r.clip.codecs_pattern, codecs[0]), mv.text
    assert codecs[1:] == (["mp4a.40.2"] if r.clip.audio else []), mv.text
    assert attrs.get("RESOLUTION") == SIZE, mv.text


@pytest.mark.parametrize("name", list(CLIPS))
def test_init_segment_sample_entry(runs, name):
    """The init segment's sample entry is the codec's (hvc1 keeps parameter sets out of samples)."""
    r = get_run(runs, name)
    track = r.walker.tracks["video"]
    maps = set(track.map_of_msn.values())
    assert len(maps) == 1, f"init segments: {maps}"
    data = r.walker.body(track, maps.pop())
    assert data is not None, r.walker.summary()
    info = fmp4.parse_init(data)
    assert info.sample_entry == r.clip.sample_entry, info
    assert (info.width, info.height) == tuple(int(v) for v in SIZE.split("x")), info


@pytest.mark.parametrize("name", list(CLIPS))
def test_ffprobe_decodes_every_frame(runs, name, weir):
    """ffprobe decodes the video playlist as the source codec with the source's frame count."""
    r = get_run(runs, name)
    url = weir.url(f"live/{r.key}/video.m3u8")
    p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json", url],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0 and not p.stderr.strip(), p.stderr[-3000:]
    stream = json.loads(p.stdout)["streams"][0]
    assert stream["codec_name"] == r.clip.codec_name, stream
    assert f"{stream['width']}x{stream['height']}" == SIZE, stream
    assert int(stream["nb_read_frames"]) == FRAMES, stream


@pytest.mark.parametrize("name", list(CLIPS))
def test_ffmpeg_reads_whole_output(runs, name, weir):
    """The multivariant playlist decodes with nothing printed at -v error."""
    r = get_run(runs, name)
    url = weir.url(f"live/{r.key}/index.m3u8")
    maps = ["-map", "0:v"] + (["-map", "0:a"] if r.clip.audio else [])
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", url, *maps, "-f", "null", "-"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0 and not p.stderr.strip(), p.stderr[-3000:]
    assert not decode_errors(r.files["video"]), "assembled video does not decode cleanly"
    final = http_get(url).text
    assert "#EXT-X-STREAM-INF" in final, final
