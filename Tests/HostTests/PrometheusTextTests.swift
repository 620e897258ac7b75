import Testing
@testable import Host

/// The exposition groups every family's lines together, whatever order the samples come in.
@Suite struct PrometheusTextTests {
    @Test func samplesWrittenStreamByStreamComeOutFamilyByFamily() {
        var out = PrometheusText()
        for stream in ["a", "b"] {
            out.family("live", "gauge", "Live.")
            out.sample("live", [("stream", stream)], Int64(1))
            out.family("bytes_total", "counter", "Bytes.")
            out.sample("bytes_total", [("stream", stream)], Int64(10))
            out.family("delay_seconds", "histogram", "Delay.")
            out.histogram("delay_seconds", [("stream", stream)], boundsSeconds: [0.1], counts: [1], count: 2, sum: 0.5)
        }
        out.family("reloads_total", "counter", "Reloads.")
        out.sample("reloads_total", [], Int64(0))
        #expect(out.text == """
            # HELP live Live.
            # TYPE live gauge
            live{stream="a"} 1
            live{stream="b"} 1
            # HELP bytes_total Bytes.
            # TYPE bytes_total counter
            bytes_total{stream="a"} 10
            bytes_total{stream="b"} 10
            # HELP delay_seconds Delay.
            # TYPE delay_seconds histogram
            delay_seconds_bucket{stream="a",le="0.1"} 1
            delay_seconds_bucket{stream="a",le="+Inf"} 2
            delay_seconds_sum{stream="a"} 0.5
            delay_seconds_count{stream="a"} 2
            delay_seconds_bucket{stream="b",le="0.1"} 1
            delay_seconds_bucket{stream="b",le="+Inf"} 2
            delay_seconds_sum{stream="b"} 0.5
            delay_seconds_count{stream="b"} 2
            # HELP reloads_total Reloads.
            # TYPE reloads_total counter
            reloads_total 0

            """)
    }

    @Test func aFamilyDeclaredLateStillGetsOneGroup() {
        var out = PrometheusText()
        out.family("a", "gauge", "A.")
        out.sample("a", [("s", "1")], Int64(1))
        // Declared only by the second stream, between the samples of `a`.
        out.family("b", "gauge", "B.")
        out.sample("b", [("s", "2")], Int64(2))
        out.sample("a", [("s", "2")], Int64(3))
        #expect(out.text == "# HELP a A.\n# TYPE a gauge\na{s=\"1\"} 1\na{s=\"2\"} 3\n# HELP b B.\n# TYPE b gauge\nb{s=\"2\"} 2\n")
    }

    @Test func labelValuesAreEscaped() {
        var out = PrometheusText()
        out.family("a", "gauge", "A.")
        out.sample("a", [("path", "x\"y\\z\nw")], 1.5)
        #expect(out.text.hasSuffix("a{path=\"x\\\"y\\\\z\\nw\"} 1.5\n"))
    }
}
