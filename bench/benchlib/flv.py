"""Reads an FLV file into tags, and prepares a seamless loop of its media for paced publishing."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

TAG_AUDIO = 8
TAG_VIDEO = 9
TAG_SCRIPT = 18


@dataclass(frozen=True)
class Tag:
    type: int
    timestamp: int  # milliseconds (the FLV decode time)
    data: bytes

    @property
    def is_video_config(self) -> bool:
        # AVC packet type 0 is the decoder configuration record.
        return self.type == TAG_VIDEO and len(self.data) > 1 and self.data[1] == 0

    @property
    def is_audio_config(self) -> bool:
        # AAC packet type 0 is the AudioSpecificConfig.
        return self.type == TAG_AUDIO and len(self.data) > 1 and (self.data[0] >> 4) == 10 and self.data[1] == 0

    @property
    def is_keyframe(self) -> bool:
        return self.type == TAG_VIDEO and len(self.data) > 0 and (self.data[0] >> 4) == 1


def read_tags(path: Path) -> list[Tag]:
    data = path.read_bytes()
    if data[:3] != b"FLV":
        raise ValueError(f"{path}: not an FLV file")
    pos = struct.unpack(">I", data[5:9])[0] + 4  # header, then PreviousTagSize0
    tags = []
    while pos + 11 <= len(data):
        ttype = data[pos] & 0x1F
        size = int.from_bytes(data[pos + 1:pos + 4], "big")
        ts = int.from_bytes(data[pos + 4:pos + 7], "big") | (data[pos + 7] << 24)
        body = data[pos + 11:pos + 11 + size]
        if len(body) < size:
            break
        tags.append(Tag(ttype, ts, body))
        pos += 11 + size + 4
    return tags


@dataclass
class Clip:
    """A loopable clip: configuration tags sent once, media tags repeated every `period_ms`."""

    metadata: Tag | None
    configs: list[Tag]
    media: list[Tag]  # in send order (FLV order), timestamps relative to the clip start
    period_ms: int
    video_bytes: int
    audio_bytes: int

    @property
    def bitrate(self) -> float:
        return (self.video_bytes + self.audio_bytes) * 8 * 1000 / self.period_ms


def load_clip(path: Path, period_ms: int, fps: int = 30, audio_rate: int = 48000) -> Clip:
    """Keeps exactly the frames of `period_ms` so that clip + period follows on without a gap.

    Frames are counted rather than cut by timestamp, because muxers shift B-frame streams'
    decode times forward by a frame or two.
    """
    tags = read_tags(path)
    video_frames = period_ms * fps // 1000
    audio_frames = period_ms * audio_rate // 1024 // 1000
    if video_frames * 1000 != period_ms * fps or audio_frames * 1024 * 1000 != period_ms * audio_rate:
        raise ValueError(f"a {period_ms} ms period is not a whole number of video and audio frames")
    metadata = None
    configs: list[Tag] = []
    media: list[Tag] = []
    nv = na = 0
    vbytes = abytes = 0
    for t in tags:
        if t.type == TAG_SCRIPT:
            if metadata is None:
                metadata = t
        elif t.is_video_config or t.is_audio_config:
            if not any(c.type == t.type for c in configs):
                configs.append(t)
        elif t.type == TAG_VIDEO and nv < video_frames:
            media.append(t)
            nv += 1
            vbytes += len(t.data)
        elif t.type == TAG_AUDIO and na < audio_frames:
            media.append(t)
            na += 1
            abytes += len(t.data)
    if nv < video_frames or na < audio_frames:
        raise ValueError(f"{path}: {nv} video and {na} audio frames, need {video_frames} and {audio_frames}")
    first_video = next((t for t in media if t.type == TAG_VIDEO), None)
    if first_video is None or not first_video.is_keyframe:
        raise ValueError(f"{path}: the clip must start with a keyframe")
    return Clip(metadata, configs, media, period_ms, vbytes, abytes)
