"""Checks of the test tools themselves; none of these needs a weir binary.

- AMF0 codec and chunk stream writer/reader round trips;
- the RTMP client publishing to ffmpeg's own RTMP listener (an independent implementation);
- the fMP4 reader and playlist parser;
- the strict walker against the reference LL-HLS server in mockhls.py: clean, and with
  injected faults that it must report.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

import pytest

import fmp4
import hlswalker
import media
import mockhls
import rtmpclient as rc
from weirserver import free_port

# ---------------------------------------------------------------- AMF0


def test_amf0_round_trip():
    values = [0.0, -1.5, 1e300, True, False, "", "héllo", "x" * 70000, None, rc.Undefined,
              {"app": "live", "n": 3.0, "nested": {"deep": [1.0, "two", None]}},
              rc.ECMAArray({"duration": 0.0, "width": 1280.0}), [], rc.AMFDate(1.7e12, 0)]
    data = rc.amf0_encode(*values)
    assert rc.amf0_decode_all(data) == values


def test_amf0_ecma_array_count_is_advisory():
    head = b"\x08" + (99).to_bytes(4, "big")
    body = rc.amf0_encode(rc.ECMAArray({"a": 1.0, "b": "c"}))[5:]
    assert rc.amf0_decode_all(head + body) == [{"a": 1.0, "b": "c"}]


@pytest.mark.parametrize("data", [b"\x00\x00", b"\x02\x00\x05ab", b"\x03\x00\x01a\x00", b"\x08\x00\x00\x00\x01",
                                  b"\x0a\xff\xff\xff\xff", b"\x11\x01", b"\x03" * 100])
def test_amf0_malformed_raises(data):
    with pytest.raises(rc.AMF0Error):
        rc.amf0_decode_all(data)


# ---------------------------------------------------------------- chunk stream


def test_chunk_writer_reader_round_trip():
    rnd = random.Random(7)
    w = rc.ChunkWriter()
    plan = [  # (csid, type, sid, timestamp, length, fmt)
        (3, 20, 0, 0, 300, 0),
        (6, 9, 1, 0, 1000, 0),
        (6, 9, 1, 0, 1000, 1),
        (6, 9, 1, 40, 1000, 2),
        (6, 9, 1, 80, 1000, 3),
        (6, 9, 1, 120, 1000, 3),
        (4, 8, 1, 0xFFFFFF + 5, 500, 0),      # extended, continuation chunks repeat it
        (4, 8, 1, 0xFFFFFF + 26, 371, 1),
        (4, 8, 1, 0xFFFFFF + 26 + 0xFFFFFF + 1, 371, 2),  # extended delta
        (70, 18, 1, 7, 10, None),               # 2-byte basic header
        (400, 18, 1, 8, 200, None),             # 3-byte basic header
    ]
    wire = b""
    expected = []
    for csid, mtype, sid, ts, n, fmt in plan:
        payload = bytes(rnd.getrandbits(8) for _ in range(n))
        wire += w.encode(csid, mtype, sid, ts, payload, fmt)
        expected.append((csid, mtype, sid, ts & 0xFFFFFFFF, payload))
    # A chunk size change mid-stream, then a big message.
    wire += w.encode(2, rc.MSG_SET_CHUNK_SIZE, 0, 0, (4096).to_bytes(4, "big"), 0)
    expected.append((2, rc.MSG_SET_CHUNK_SIZE, 0, 0, (4096).to_bytes(4, "big")))
    w.chunk_size = 4096
    big = bytes(rnd.getrandbits(8) for _ in range(10000))
    wire += w.encode(6, 9, 1, 160, big, None)
    expected.append((6, 9, 1, 160, big))
    r = rc.ChunkReader()
    got = []
    pos = 0
    while pos < len(wire):  # feed in random slices
        n = rnd.randint(1, 300)
        got += r.feed(wire[pos:pos + n])
        pos += n
    assert [(m.csid, m.type, m.stream_id, m.timestamp, m.payload) for m in got] == expected


def test_chunk_writer_refuses_undefined_headers():
    w = rc.ChunkWriter()
    w.encode(6, 9, 1, 0, b"x" * 10, 0)
    with pytest.raises(ValueError):
        w.encode(6, 9, 1, 40, b"y" * 10, 3)  # type 3 right after type 0
    w.encode(6, 9, 1, 40, b"y" * 10, 2)
    with pytest.raises(ValueError):
        w.encode(6, 9, 1, 90, b"z" * 10, 3)  # delta 50, type 3 would mean 40
    with pytest.raises(ValueError):
        w.encode(6, 9, 1, 120, b"z" * 11, 2)  # length changed


def test_pad_avc_tag():
    body = b"\x27\x01\x00\x00\x00" + (5).to_bytes(4, "big") + b"\x41abcd"
    padded = rc.pad_avc_tag(body, 40)
    assert len(padded) == 40 and padded.startswith(body)
    nal_len = int.from_bytes(padded[len(body):len(body) + 4], "big")
    assert nal_len == 40 - len(body) - 4 and padded[len(body) + 4] == 0x0C and padded[-1] == 0x80


def _listen_ffmpeg(port: int, out: Path) -> subprocess.Popen:
    return subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-y", "-listen", "1", "-i",
                             f"rtmp://127.0.0.1:{port}/live/selftest", "-c", "copy", "-f", "flv", str(out)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _connect_retry(port: int) -> rc.RtmpClient:
    deadline = time.monotonic() + 10
    while True:
        try:
            return rc.RtmpClient("127.0.0.1", port, timeout=10)
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("mode", ["type3", "extended"])
def test_rtmp_client_against_ffmpeg_listener(tmp_path, source, mode):
    """The client's publish, as the weir tests send it, read back by ffmpeg's RTMP server."""
    src = source("small25")
    tags = rc.read_flv(src.path)
    port = free_port()
    out = tmp_path / "got.flv"
    proc = _listen_ffmpeg(port, out)
    try:
        c = _connect_retry(port)
        sid, info = c.start_publish("live", "selftest")
        assert info and info.get("code") == "NetStream.Publish.Start", (info, c.commands())
        c.send_metadata(sid, rc.DEFAULT_METADATA, wrong_count=0)
        if mode == "type3":
            sent = rc.equal_length_video(tags)
            rc.stream_tags(c, sid, sent, speed=20,
                           header=lambda tag, n: ({0: 0, 1: 1, 2: 2}.get(n, 3) if tag.is_video else None))
        else:
            rc.stream_tags(c, sid, tags, speed=20, ts_base=0xFFFFFF - 1500, header=lambda tag, n: 0)
        c.unpublish(sid, "selftest")
        time.sleep(0.3)
        c.close()
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    frames = media.frame_hashes(out)
    assert [h for _, h in frames] == [h for h, _ in sorted(src.frame_md5.items(), key=lambda kv: kv[1])], err
    offsets = {round(t - src.frame_md5[h]) for t, h in frames}
    assert len(offsets) == 1, f"timestamps not preserved: offsets {sorted(offsets)[:10]}"


# ---------------------------------------------------------------- fMP4 and playlists


def test_fmp4_reader_on_ffmpeg_fragments(tmp_path, source):
    src = source("bframes")
    tracks = mockhls.build_tracks(src.path, tmp_path)
    v = tracks["video"]
    info = fmp4.parse_init(v.init)
    assert info.kind == "video" and info.width == 1280 and info.height == 720
    samples = 0
    for p in v.parts:
        fr = fmp4.parse_fragments(p.data, info)
        samples += sum(len(f.samples) for f in fr)
    assert samples == src.video_frames
    assert v.parts[0].independent and sum(p.independent for p in v.parts) == src.video_frames // src.gop_frames
    with pytest.raises(fmp4.Fmp4Error):
        fmp4.parse_fragments(v.parts[1].data[:-10], info)
    with pytest.raises(fmp4.Fmp4Error):
        fmp4.parse_fragments(v.parts[1].data[8:], info)


CONTRACT_EXAMPLE = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:3
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.606,HOLD-BACK=9
#EXT-X-PART-INF:PART-TARGET=0.202
#EXT-X-MEDIA-SEQUENCE:8
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXT-X-MAP:URI="video/lk3x9q2a/init-0.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-22T03:10:02.123Z
#EXTINF:2.000,
video/lk3x9q2a/8.m4s
#EXT-X-PART:DURATION=0.200,URI="video/lk3x9q2a/9.0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.200,URI="video/lk3x9q2a/9.1.m4s"
#EXTINF:0.400,
video/lk3x9q2a/9.m4s
#EXT-X-PART:DURATION=0.200,URI="video/lk3x9q2a/10.0.m4s",INDEPENDENT=YES
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="video/lk3x9q2a/10.1.m4s"
#EXT-X-RENDITION-REPORT:URI="audio.m3u8",LAST-MSN=10,LAST-PART=0
"""


def test_media_playlist_parser():
    pl = hlswalker.parse_media_playlist(CONTRACT_EXAMPLE)
    assert not pl.problems
    assert (pl.target_duration, pl.part_target, pl.media_sequence) == (3, 0.202, 8)
    assert [s.msn for s in pl.segments] == [8, 9]
    assert [(p.msn, p.index, p.independent) for p in pl.all_parts()] == [(9, 0, True), (9, 1, False), (10, 0, True)]
    assert pl.next_request() == (10, 1)
    assert pl.segments[0].pdt and pl.segments[0].map_uri == "video/lk3x9q2a/init-0.mp4"
    table = {(9, 1): True, (9, 2): True, (10, 0): True, (10, 1): False, (11, 0): False, (8, None): True,
             (10, None): False, (9, 5): True}
    for (m, p), want in table.items():
        assert pl.satisfies(m, p) == want, (m, p)


def test_media_playlist_parser_reads_gaps():
    """A segment a track has no media for is listed with EXT-X-GAP and GAP=YES parts, and keeps its number."""
    pl = hlswalker.parse_media_playlist(
        "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:3\n#EXT-X-PART-INF:PART-TARGET=0.202\n"
        "#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-MAP:URI=\"audio/e/init-0.mp4\"\n"
        "#EXTINF:2.000,\naudio/e/2.m4s\n"
        "#EXT-X-PART:DURATION=0.086,URI=\"audio/e/3.0.m4s\",GAP=YES\n#EXT-X-GAP\n#EXTINF:0.086,\naudio/e/3.m4s\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\naudio/e/4.m4s\n#EXT-X-ENDLIST\n")
    assert not pl.problems, pl.problems
    assert [(s.msn, s.uri.split("/")[-1], s.gap) for s in pl.segments] == \
        [(2, "2.m4s", False), (3, "3.m4s", True), (4, "4.m4s", False)]
    assert [p.gap for p in pl.segments[1].parts] == [True]
    assert pl.segments[2].discontinuity and not pl.segments[1].discontinuity
    assert "EXT-X-GAP at the end" in " ".join(hlswalker.parse_media_playlist("#EXTM3U\n#EXT-X-GAP\n").problems)


def test_multivariant_parser():
    mv = hlswalker.parse_multivariant(
        '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n'
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio.m3u8"\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=3200000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,'
        'FRAME-RATE=30.000,AUDIO="audio"\nvideo.m3u8\n')
    assert not mv.problems and mv.independent_segments
    assert mv.playlist_uris() == ["video.m3u8", "audio.m3u8"]
    assert mv.variants[0][0]["CODECS"] == "avc1.64001f,mp4a.40.2"


# ---------------------------------------------------------------- the walker against a reference server


@pytest.fixture(scope="module")
def mock_tracks(tmp_path_factory):
    src = media.ensure_media("bframes")
    return src, mockhls.build_tracks(src.path, tmp_path_factory.mktemp("mock"))


def _walk(mock_tracks, faults=frozenset(), speed=4.0, deadline=30.0, hold=None):
    src, tracks = mock_tracks
    server = mockhls.MockServer(tracks, speed=speed, faults=set(faults), hold=hold).start()
    try:
        w = hlswalker.HLSWalker(server.base, "live/mock", deadline=deadline, label="mock").run()
        w.analyse()
    finally:
        server.stop()
    return src, w


def test_walker_passes_a_correct_server(mock_tracks, tmp_path):
    src, w = _walk(mock_tracks)
    w.check()
    assert set(w.tracks) == {"video", "audio"}
    files = w.assemble(tmp_path)
    errs = hlswalker.compare_with_source(files, {n: w.track_kind(n) for n in files}, src, "mock")
    assert not errs, errs


@pytest.mark.parametrize("fault,category", [
    ("cache", "headers.cache-control"),
    ("segment_bytes", "media.segment-parts"),
    ("td_change", "playlist.targetduration"),
    ("premature", "blocking.premature"),
])
def test_walker_reports_faults(mock_tracks, fault, category):
    _, w = _walk(mock_tracks, {fault})
    assert category in w.v.categories(), w.summary()
    with pytest.raises(AssertionError):
        w.check()


def test_walker_reports_missing_endlist(mock_tracks):
    _, w = _walk(mock_tracks, {"no_endlist"}, speed=8.0, deadline=3.0, hold=1.0)
    assert "deadline" in w.v.categories(), w.summary()


def test_compare_catches_missing_frames(mock_tracks, tmp_path):
    src, w = _walk(mock_tracks)
    files = w.assemble(tmp_path)
    # Drop the last segment of video: frames go missing at the end only, which is within a GOP,
    # so count passes; drop a middle one instead and the gap must be reported.
    tr = w.tracks["video"]
    middle = sorted(tr.segments)[len(tr.segments) // 2]
    data = b""
    for msn in sorted(tr.segments):
        if msn == sorted(tr.segments)[0]:
            data += w.body(tr, tr.map_of_msn[msn])
        if msn != middle:
            data += w.body(tr, tr.segments[msn].uri)
    (tmp_path / "video.mp4").write_bytes(data)
    errs = hlswalker.compare_with_source(files, {n: w.track_kind(n) for n in files}, src, "mock")
    assert any("missing" in e for e in errs), errs
