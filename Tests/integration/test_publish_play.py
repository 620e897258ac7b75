"""Real publishers push generated H.264/AAC; the strict walker plays the LL-HLS output.

All runs publish at once on different keys of one server (fast, and a realistic
load); each test then asserts on one run.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import hlswalker
import publishers
from hlswalker import HLSWalker, http_get

pytestmark = pytest.mark.server

# name: (publisher, media)
RUNS = {
    "ffmpeg-bframes": ("ffmpeg", "bframes"),
    "rtmp2sink-bframes": ("rtmp2sink", "bframes"),
    "rtmpsink-bframes": ("rtmpsink", "bframes"),
    "ffmpeg-zerolatency": ("ffmpeg", "zerolatency"),
    "ffmpeg-gop250": ("ffmpeg", "gop250"),
}
SEGMENT = 2.0
MAX_SEGMENT = 3.0  # 1.5 x segment: the forced-cut limit from the segmentation policy


@dataclass
class Run:
    name: str
    publisher: str
    media: str
    key: str
    skipped: str | None = None
    walker: HLSWalker | None = None
    proc: subprocess.Popen | None = None
    publisher_log: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    final_index: str = ""


@pytest.fixture(scope="module")
def runs(weir, source, module_procs, tmp_path_factory) -> dict[str, Run]:
    out: dict[str, Run] = {}
    for name, (pub, med) in RUNS.items():
        key = name.replace("-", "")
        out[name] = Run(name, pub, med, key, skipped=publishers.available(pub))
    active = [r for r in out.values() if not r.skipped]
    for r in active:
        source(r.media)  # generate before the clock starts
    for r in active:
        src = source(r.media)
        r.walker = HLSWalker(weir.http_base, f"live/{r.key}", deadline=src.spec.seconds + 40,
                             label=r.name).start()
    for r in active:
        r.proc = module_procs.publish(r.publisher, source(r.media).path, weir.rtmp_url(f"live/{r.key}"))
    for r in active:
        try:
            r.proc.wait(source(r.media).spec.seconds + 40)
        except subprocess.TimeoutExpired:
            module_procs.stop(r.proc)
        r.publisher_log = module_procs.log(r.proc)
    for r in active:
        r.walker.join()
        r.walker.analyse()
        r.files = r.walker.assemble(tmp_path_factory.mktemp(r.key))
        r.kinds = {n: r.walker.track_kind(n) for n in r.files}
        r.final_index = http_get(weir.url(f"live/{r.key}/index.m3u8")).text
    return out


def run_params():
    """One param per run; GStreamer runs carry the gstreamer mark."""
    return [pytest.param(n, marks=pytest.mark.gstreamer) if RUNS[n][0] != "ffmpeg" else n for n in RUNS]


def get_run(runs, name) -> Run:
    r = runs[name]
    if r.skipped:
        pytest.skip(f"{r.publisher}: {r.skipped}")
    return r


@pytest.mark.parametrize("name", run_params())
def test_publisher_finished(runs, name):
    """The publisher streamed the whole file and exited 0 (the server accepted it)."""
    r = get_run(runs, name)
    assert r.proc.returncode == 0, f"{r.publisher} exited {r.proc.returncode}:\n{r.publisher_log}"


@pytest.mark.parametrize("name", run_params())
def test_walk_is_clean(runs, name):
    """Every playlist, init, part and segment fetched; headers, invariants and bytes per the contract."""
    r = get_run(runs, name)
    r.walker.check()
    assert set(r.walker.tracks) == {"video", "audio"}, f"tracks: {list(r.walker.tracks)}"


@pytest.mark.parametrize("name", run_params())
def test_decoded_output_matches_source(runs, name, source):
    """Decodes cleanly; frames are the source's frames at one offset; count within a GOP; A/V in sync."""
    r = get_run(runs, name)
    errs = hlswalker.compare_with_source(r.files, r.kinds, source(r.media), r.name)
    assert not errs, "\n".join(errs)


@pytest.mark.parametrize("name", run_params())
def test_multivariant_playlist(runs, name):
    r = get_run(runs, name)
    mv = r.walker.multivariant
    assert mv is not None, r.walker.summary()
    assert not mv.problems, mv.problems
    assert len(mv.variants) == 1, mv.text
    attrs, uri = mv.variants[0]
    assert uri == "video.m3u8", mv.text
    assert attrs.get("RESOLUTION") == "1280x720", mv.text
    assert abs(float(attrs.get("FRAME-RATE", "0")) - 30.0) < 0.01, mv.text
    assert int(attrs.get("BANDWIDTH", "0")) > 0, mv.text
    codecs = attrs.get("CODECS", "").split(",")
    assert len(codecs) == 2 and re.fullmatch(r"avc1\.64[0-9A-Fa-f]{4}", codecs[0]) and codecs[1] == "mp4a.40.2", mv.text
    audio = [m for m in mv.media if m.get("TYPE") == "AUDIO"]
    assert len(audio) == 1 and audio[0].get("URI") == "audio.m3u8", mv.text
    assert audio[0].get("GROUP-ID") == attrs.get("AUDIO"), mv.text
    assert audio[0].get("CHANNELS") == "2", mv.text


@pytest.mark.parametrize("name", run_params())
def test_segmentation_policy(runs, name, source):
    """TARGETDURATION = ceil(max_segment); PART-TARGET from 6 frames at 30 fps; cuts per the policy."""
    r = get_run(runs, name)
    video = r.walker.tracks["video"]
    assert video.target_duration == 3, f"TARGETDURATION {video.target_duration}, policy gives ceil(1.5 x 2 s) = 3"
    assert 0.2 <= video.part_target <= 0.21, f"PART-TARGET {video.part_target} for 30 fps and part: 200ms"
    segs = [video.segments[m] for m in sorted(video.segments)]
    assert len(segs) >= 3, r.walker.summary()
    for s in segs:
        assert s.duration <= MAX_SEGMENT + 0.05, f"segment {s.msn} lasts {s.duration} s"
    gop_s = source(r.media).gop_seconds
    listed = [s for s in segs if s.parts]
    if gop_s <= SEGMENT:
        # Keyframes every 2 s: every segment starts on one.
        forced = [(s.msn, s.duration) for s in listed if not s.parts[0].independent]
        assert not forced, (f"keyframes every {gop_s:.1f} s, yet segments (msn, EXTINF) {forced} were cut "
                            f"without one; all: {[(s.msn, s.duration) for s in listed]}")
    else:
        # 250-frame GOP: segments are cut without a keyframe, and say so.
        forced = [s.msn for s in listed if not s.parts[0].independent]
        assert forced, f"GOP of {gop_s:.1f} s but every segment starts INDEPENDENT: {[s.msn for s in listed]}"
        assert "#EXT-X-INDEPENDENT-SEGMENTS" not in r.final_index, r.final_index


@pytest.mark.parametrize("name", run_params())
def test_ffmpeg_reads_whole_output(runs, name, weir):
    """ffmpeg plays the ended event from the multivariant playlist without an error."""
    r = get_run(runs, name)
    url = weir.url(f"live/{r.key}/index.m3u8")
    p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", url, "-map", "0:v", "-map", "0:a",
                        "-f", "null", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0 and not p.stderr.strip(), p.stderr[-3000:]
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                            "stream=codec_type,codec_name,width,height,sample_rate,channels", "-of", "compact", url],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert "codec_name=h264" in probe.stdout and "width=1280" in probe.stdout and "height=720" in probe.stdout, probe.stdout
    assert "codec_name=aac" in probe.stdout and "sample_rate=48000" in probe.stdout and "channels=2" in probe.stdout, probe.stdout
