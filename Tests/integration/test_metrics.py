"""/metrics: a strict reading of the Prometheus text format (0.0.4), and counters that move.

Two streams play (live/m1 and live/m2) so per-stream families have several series; a reader
polls live/m1's playlist meanwhile. Three scrapes: two while both play (counters move
between them), one after live/m2 has unpublished.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field

import pytest

import weirserver
from hlswalker import http_get
from livestream import wait_playlist
from weirserver import route_yaml

pytestmark = pytest.mark.server

MEDIA = "long"  # 60 s, GOP 60 at 30 fps: keyframes every 2 s

# ---------------------------------------------------------------- a strict exposition parser

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|inf)|NaN")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


@dataclass
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    line: int

    def key(self) -> tuple:
        return self.name, tuple(sorted(self.labels.items()))


@dataclass
class Family:
    name: str
    type: str | None = None
    help: str | None = None
    type_line: int = 0
    samples: list[Sample] = field(default_factory=list)


@dataclass
class Exposition:
    families: dict[str, Family] = field(default_factory=dict)
    samples: list[Sample] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # family of each sample line, in order

    def value(self, name: str, **labels: str) -> float | None:
        want = set(labels.items())
        found = [s.value for s in self.samples if s.name == name and want <= set(s.labels.items())]
        if len(found) > 1:
            raise AssertionError(f"{len(found)} samples of {name} with {labels}")
        return found[0] if found else None

    def series(self, name: str) -> list[Sample]:
        return [s for s in self.samples if s.name == name]


def _unescape(text: str, allowed: str, where: str, problems: list[str]) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1:i + 2]
            if nxt not in allowed:
                problems.append(f"{where}: invalid escape \\{nxt}")
            out.append({"n": "\n", "\\": "\\", '"': '"'}.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(text: str, where: str, problems: list[str]) -> dict[str, str] | None:
    """Parses `name="value",...` (an optional trailing comma); None when malformed."""
    labels: dict[str, str] = {}
    i = 0
    while i < len(text):
        m = LABEL_NAME.match(text, i)
        if not m:
            problems.append(f"{where}: bad label name at {text[i:i + 20]!r}")
            return None
        name = m.group(0)
        i = m.end()
        if text[i:i + 2] != '="':
            problems.append(f"{where}: label {name} not followed by =\"")
            return None
        i += 2
        start = i
        while i < len(text) and text[i] != '"':
            i += 2 if text[i] == "\\" else 1
        if i >= len(text):
            problems.append(f"{where}: unterminated value of label {name}")
            return None
        if name in labels:
            problems.append(f"{where}: label {name} twice")
        if name.startswith("__"):
            problems.append(f"{where}: reserved label name {name}")
        labels[name] = _unescape(text[start:i], '\\"n', where, problems)
        i += 1
        if i < len(text):
            if text[i] != ",":
                problems.append(f"{where}: expected ',' after label {name}, found {text[i]!r}")
                return None
            i += 1
    return labels


def _float(text: str) -> float | None:
    if not FLOAT.fullmatch(text):
        return None
    return float(text.replace("Inf", "inf"))


def family_of(sample_name: str, families: dict[str, Family]) -> str:
    for suffix, kinds in (("_bucket", {"histogram"}), ("_sum", {"histogram", "summary"}),
                          ("_count", {"histogram", "summary"})):
        base = sample_name[: -len(suffix)] if sample_name.endswith(suffix) else None
        if base and base in families and families[base].type in kinds:
            return base
    return sample_name


def parse_exposition(text: str) -> Exposition:
    """Reads Prometheus text format 0.0.4 and lists every deviation from it in .problems."""
    ex = Exposition()
    p = ex.problems
    if text and not text.endswith("\n"):
        p.append("the last line does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), start=1):
        where = f"line {n}"
        if line.strip() == "":
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                kind, name = parts[1], parts[2]
                rest = parts[3] if len(parts) > 3 else ""
                if not METRIC_NAME.fullmatch(name):
                    p.append(f"{where}: bad metric name in {kind}: {name!r}")
                fam = ex.families.setdefault(name, Family(name))
                if kind == "HELP":
                    if fam.help is not None:
                        p.append(f"{where}: second HELP for {name}")
                    fam.help = _unescape(rest, "\\n", where, p)
                else:
                    if fam.type is not None:
                        p.append(f"{where}: second TYPE for {name}")
                    if rest not in TYPES:
                        p.append(f"{where}: unknown type {rest!r} for {name}")
                    if fam.samples:
                        p.append(f"{where}: TYPE for {name} after its samples")
                    fam.type, fam.type_line = rest, n
            continue  # any other comment is allowed
        m = METRIC_NAME.match(line)
        if not m:
            p.append(f"{where}: no metric name: {line!r}")
            continue
        name, i = m.group(0), m.end()
        labels: dict[str, str] | None = {}
        if line[i:i + 1] == "{":
            close = i + 1
            in_value = False
            while close < len(line):
                ch = line[close]
                if in_value and ch == "\\":
                    close += 2
                    continue
                if ch == '"':
                    in_value = not in_value
                elif ch == "}" and not in_value:
                    break
                close += 1
            if close >= len(line):
                p.append(f"{where}: unterminated label set: {line!r}")
                continue
            labels = _labels(line[i + 1:close], where, p)
            i = close + 1
        if labels is None:
            continue
        rest = line[i:]
        if not rest.startswith(" "):
            p.append(f"{where}: no space before the value: {line!r}")
            continue
        fields = rest.split()
        if len(fields) not in (1, 2):
            p.append(f"{where}: expected value [timestamp]: {line!r}")
            continue
        value = _float(fields[0])
        if value is None:
            p.append(f"{where}: bad value {fields[0]!r}")
            continue
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            p.append(f"{where}: bad timestamp {fields[1]!r}")
        s = Sample(name, labels, value, n)
        fam_name = family_of(name, ex.families)
        fam = ex.families.get(fam_name)
        if fam is None or fam.type is None:
            p.append(f"{where}: sample {name} has no TYPE before it")
            fam = ex.families.setdefault(fam_name, Family(fam_name))
        fam.samples.append(s)
        ex.samples.append(s)
        ex.order.append(fam_name)
    # Whole-text checks.
    seen: dict[tuple, int] = {}
    for s in ex.samples:
        if s.key() in seen:
            p.append(f"line {s.line}: duplicate series {s.key()} (first on line {seen[s.key()]})")
        seen.setdefault(s.key(), s.line)
    for fam in ex.families.values():
        if fam.type is None:
            p.append(f"{fam.name}: HELP without TYPE")
        if fam.type == "counter":
            if not fam.name.endswith("_total"):
                p.append(f"{fam.name}: counter name without _total")
            for s in fam.samples:
                if s.name != fam.name or math.isnan(s.value) or s.value < 0:
                    p.append(f"line {s.line}: counter sample {s.name} = {s.value}")
        if fam.type == "gauge":
            for s in fam.samples:
                if s.name != fam.name:
                    p.append(f"line {s.line}: gauge family {fam.name} has sample {s.name}")
        if fam.type == "histogram":
            _check_histogram(fam, p)
    return ex


def _check_histogram(fam: Family, p: list[str]) -> None:
    groups: dict[tuple, dict] = {}
    for s in fam.samples:
        base = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
        g = groups.setdefault(base, {"buckets": [], "sum": None, "count": None})
        if s.name == fam.name + "_bucket":
            if "le" not in s.labels:
                p.append(f"line {s.line}: bucket without le")
                continue
            le = _float(s.labels["le"])
            if le is None:
                p.append(f"line {s.line}: le={s.labels['le']!r} is not a number")
                continue
            g["buckets"].append((le, s.value, s.line))
        elif s.name == fam.name + "_sum":
            g["sum"] = s.value
        elif s.name == fam.name + "_count":
            g["count"] = s.value
        else:
            p.append(f"line {s.line}: {s.name} in histogram {fam.name}")
        if "le" in s.labels and s.name != fam.name + "_bucket":
            p.append(f"line {s.line}: le label on {s.name}")
    for base, g in groups.items():
        b = g["buckets"]
        where = f"histogram {fam.name}{dict(base)}"
        if not b or b[-1][0] != math.inf:
            p.append(f"{where}: no +Inf bucket last")
            continue
        les = [x[0] for x in b]
        if les != sorted(set(les)):
            p.append(f"{where}: le bounds not strictly increasing: {les}")
        counts = [x[1] for x in b]
        if any(c2 < c1 for c1, c2 in zip(counts, counts[1:])):
            p.append(f"{where}: buckets not cumulative: {counts}")
        if g["count"] is None or g["sum"] is None:
            p.append(f"{where}: _count or _sum missing")
        elif counts[-1] != g["count"]:
            p.append(f"{where}: +Inf bucket {counts[-1]} != _count {g['count']}")
        if g["sum"] is not None and (math.isnan(g["sum"]) or g["sum"] < 0):
            p.append(f"{where}: _sum {g['sum']}")


def interleaved(ex: Exposition) -> list[str]:
    """Families whose samples are not one contiguous group."""
    out, done, prev = [], set(), None
    for fam in ex.order:
        if fam != prev:
            if fam in done and fam not in out:
                out.append(fam)
            if prev is not None:
                done.add(prev)
        prev = fam
    return out


# ---------------------------------------------------------------- the scrapes


@dataclass
class Scrapes:
    first: Exposition
    second: Exposition
    after_end: Exposition
    raw_first: str
    source_seconds: int
    viewer_gets: int


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    p = weirserver.ServerPool(tmp_path_factory, "metrics")
    yield p
    problems = p.stop_all()
    if problems:
        pytest.fail("\n".join(problems))


def scrape(srv) -> tuple[Exposition, str]:
    r = http_get(srv.url("/metrics"))
    assert r.status == 200, r.brief()
    assert r.header("content-type").replace(" ", "").lower() == "text/plain;version=0.0.4;charset=utf-8", r.headers
    return parse_exposition(r.text), r.text


@pytest.fixture(scope="module")
def scrapes(pool, source, module_procs) -> Scrapes:
    weirserver.require_binary()
    srv = pool.start({"10-live.yaml": route_yaml()})
    src = source(MEDIA)
    m1 = module_procs.publish("ffmpeg", src.path, srv.rtmp_url("live/m1"))
    m2 = module_procs.publish("ffmpeg", src.path, srv.rtmp_url("live/m2"))
    url1 = srv.url("live/m1/video.m3u8")
    wait_playlist(url1, lambda p: len(p.segments) >= 2, timeout=30)
    wait_playlist(srv.url("live/m2/video.m3u8"), lambda p: len(p.segments) >= 1, timeout=30)

    stop = threading.Event()
    gets = [0]

    def viewer():
        while not stop.is_set():
            if http_get(url1).status == 200:
                gets[0] += 1
            stop.wait(0.5)

    t = threading.Thread(target=viewer, name="viewer", daemon=True)
    t.start()
    try:
        time.sleep(1.0)
        mark = wait_playlist(url1, lambda p: bool(p.segments)).segments[-1].msn
        first, raw = scrape(srv)
        wait_playlist(url1, lambda p: p.segments[-1].msn >= mark + 2, timeout=15)
        http_get(srv.url("live/m1/nothing-here.m3u8"))  # one more 404
        second, _ = scrape(srv)
    finally:
        stop.set()
        t.join(5)
    module_procs.stop(m2)  # SIGTERM: clean unpublish
    wait_playlist(srv.url("live/m2/video.m3u8"), lambda p: p.endlist, timeout=10)
    after, _ = scrape(srv)
    module_procs.stop(m1)
    return Scrapes(first, second, after, raw, src.spec.seconds, gets[0])


# ---------------------------------------------------------------- format


def test_exposition_is_valid(scrapes):
    """Syntax, one HELP and TYPE per family before its samples, counters, histograms."""
    for name, ex in (("first", scrapes.first), ("second", scrapes.second), ("after end", scrapes.after_end)):
        assert not ex.problems, f"{name} scrape:\n" + "\n".join(ex.problems[:40])


def test_families_are_grouped(scrapes):
    bad = interleaved(scrapes.first)
    assert not bad, f"samples of {bad} are split into several groups:\n{scrapes.raw_first[:3000]}"


def test_parser_rejects_bad_text():
    """The parser is strict enough to fail: each broken exposition is caught."""
    ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n"
    assert not parse_exposition(ok).problems
    broken = {
        "no TYPE": "a_total 1\n",
        "TYPE after sample": "# TYPE a gauge\na 1\n# TYPE a gauge\n",
        "bad value": "# TYPE a gauge\na one\n",
        "bad escape": "# TYPE a gauge\na{x=\"\\q\"} 1\n",
        "duplicate series": "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",
        "no newline at end": "# TYPE a gauge\na 1",
        "negative counter": "# TYPE a_total counter\na_total -1\n",
        "histogram not cumulative": "# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"+Inf\"} 4\n"
                                    "h_sum 1\nh_count 4\n",
        "histogram +Inf != count": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                                   "h_sum 1\nh_count 3\n",
        "histogram without +Inf": "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        "unterminated labels": "# TYPE a gauge\na{x=\"1\" 1\n",
    }
    for what, text in broken.items():
        assert parse_exposition(text).problems, what
    assert interleaved(parse_exposition("# TYPE a gauge\n# TYPE b gauge\na{s=\"1\"} 1\nb 1\na{s=\"2\"} 1\n")) == ["a"]


# ---------------------------------------------------------------- values


STREAM_FAMILIES = {
    "weir_stream_live": "gauge", "weir_stream_publisher_connected": "gauge", "weir_stream_sessions_total": "counter",
    "weir_stream_ingest_bytes_total": "counter", "weir_stream_ingest_frames_total": "counter",
    "weir_stream_dropped_frames_total": "counter", "weir_stream_keyframe_interval_seconds": "gauge",
    "weir_stream_bitrate_bits_per_second": "gauge", "weir_stream_viewers": "gauge",
    "weir_stream_parts_total": "counter", "weir_stream_segments_total": "counter",
    "weir_stream_window_bytes": "gauge", "weir_stream_part_delay_seconds": "histogram",
}
SERVER_FAMILIES = {
    "weir_reloads_total": "counter", "weir_reload_failures_total": "counter",
    "weir_publish_refusals_total": "counter", "weir_http_requests_total": "counter",
    "weir_http_refused_connections_total": "counter", "weir_rtmp_refused_connections_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds_total": "counter", "process_start_time_seconds": "gauge", "process_open_fds": "gauge",
}


def test_families_and_labels(scrapes):
    ex = scrapes.first
    for name, kind in {**STREAM_FAMILIES, **SERVER_FAMILIES}.items():
        assert name in ex.families and ex.families[name].type == kind, f"{name}: {ex.families.get(name)}"
    for name in STREAM_FAMILIES:
        for s in ex.families[name].samples:
            assert {"stream", "route"} <= set(s.labels), f"line {s.line}: {s.name}{s.labels}"
        streams = {s.labels.get("stream") for s in ex.families[name].samples}
        assert streams == {"live/m1", "live/m2"}, f"{name}: {streams}"
    kinds = {s.labels.get("kind") for s in ex.series("weir_stream_ingest_frames_total")}
    assert kinds == {"video", "audio"}, kinds


@pytest.mark.parametrize("name", ["weir_stream_ingest_bytes_total", "weir_stream_parts_total",
                                  "weir_stream_segments_total", "weir_stream_part_delay_seconds_count"])
def test_stream_counters_increase(scrapes, name):
    a = scrapes.first.value(name, stream="live/m1")
    b = scrapes.second.value(name, stream="live/m1")
    assert a is not None and b is not None and b > a > 0, f"{name}: {a} -> {b}"


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_frame_counters_increase(scrapes, kind):
    a = scrapes.first.value("weir_stream_ingest_frames_total", stream="live/m1", kind=kind)
    b = scrapes.second.value("weir_stream_ingest_frames_total", stream="live/m1", kind=kind)
    assert a is not None and b is not None and b > a > 0, f"{kind} frames: {a} -> {b}"
    # Counters that only grow, also across the publisher's end.
    c = scrapes.after_end.value("weir_stream_ingest_frames_total", stream="live/m1", kind=kind)
    assert c is not None and c >= b


def test_stream_gauges_while_live(scrapes):
    ex = scrapes.second
    for stream in ("live/m1", "live/m2"):
        assert ex.value("weir_stream_live", stream=stream, route="live") == 1
        assert ex.value("weir_stream_publisher_connected", stream=stream) == 1
        assert ex.value("weir_stream_sessions_total", stream=stream) == 1
        assert ex.value("weir_stream_dropped_frames_total", stream=stream) == 0
        assert ex.value("weir_stream_keyframe_interval_seconds", stream=stream) == pytest.approx(2.0, abs=0.05)
        video = ex.value("weir_stream_bitrate_bits_per_second", stream=stream, track="video")
        assert video is not None and 250_000 < video < 1_500_000, f"{stream} video bitrate {video}"
        assert ex.value("weir_stream_window_bytes", stream=stream) > 0


def test_viewers(scrapes):
    assert scrapes.viewer_gets > 0
    assert scrapes.second.value("weir_stream_viewers", stream="live/m1") >= 1


def test_http_requests_by_status(scrapes):
    ok1 = scrapes.first.value("weir_http_requests_total", status="200")
    ok2 = scrapes.second.value("weir_http_requests_total", status="200")
    assert ok1 is not None and ok2 is not None and ok2 > ok1, f"200s: {ok1} -> {ok2}"
    nf1 = scrapes.first.value("weir_http_requests_total", status="404") or 0
    nf2 = scrapes.second.value("weir_http_requests_total", status="404")
    assert nf2 is not None and nf2 >= nf1 + 1, f"404s: {nf1} -> {nf2}"


def test_ended_stream(scrapes):
    ex = scrapes.after_end
    assert ex.value("weir_stream_live", stream="live/m2") == 0
    assert ex.value("weir_stream_publisher_connected", stream="live/m2") == 0
    assert ex.value("weir_stream_live", stream="live/m1") == 1


def test_process_metrics(scrapes):
    ex = scrapes.second
    assert ex.value("process_resident_memory_bytes") > 1_000_000
    assert ex.value("process_cpu_seconds_total") > 0
    assert ex.value("process_open_fds") > 3
    start = ex.value("process_start_time_seconds")
    assert time.time() - 3600 < start <= time.time(), start
    cpu1, cpu2 = scrapes.first.value("process_cpu_seconds_total"), ex.value("process_cpu_seconds_total")
    assert cpu2 >= cpu1
