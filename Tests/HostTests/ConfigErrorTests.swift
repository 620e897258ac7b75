import Testing
import WeirCore

@testable import Host

/// Each kind of configuration error is reported at the right `FILE:LINE:COL`.
@Suite struct ConfigErrorTests {
    /// Loads a fixture whose main file is `main` and whose only route file is `conf.d/r.yaml` with `routes`.
    func errors(main: String = "", routes: String?) throws -> (fixture: ConfigFixture, lines: [String]) {
        let fixture = try ConfigFixture()
        try fixture.write("weir.yaml", main)
        if let routes {
            try fixture.write("conf.d/r.yaml", routes)
        }
        return (fixture, fixture.errors())
    }

    func expectErrors(main: String = "", routes: String?, _ expected: [String]) throws {
        let (fixture, lines) = try errors(main: main, routes: routes)
        defer { fixture.remove() }
        let expanded = expected.map {
            $0.replacingOccurrences(of: "MAIN", with: fixture.mainFile)
                .replacingOccurrences(of: "ROUTES", with: fixture.path("conf.d/r.yaml"))
                .replacingOccurrences(of: "DIR", with: fixture.directory)
        }
        #expect(lines == expanded)
    }

    @Test func yamlSyntaxError() throws {
        try expectErrors(routes: """
            routes:
              - name: live
                 match: live/*
            """, [
            "ROUTES:3:11: YAML syntax error: mapping values are not allowed in this context",
        ])
        try expectErrors(routes: "routes:\n\t- name: x\n", [
            "ROUTES:2:1: YAML syntax error: found character that cannot start any token (while scanning for the next token at line 2, column 1)",
        ])
    }

    @Test func duplicateYamlKey() throws {
        try expectErrors(routes: "routes:\n  - name: a\n    name: b\n", [
            "ROUTES:2:5: duplicate key 'name' in the same mapping",
        ])
    }

    @Test func invalidUTF8() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "")
        try fixture.write("conf.d/r.yaml", "")
        try fixture.writeBytes("conf.d/r.yaml", Array("routes:\n  - name: ".utf8) + [0xFF, 0x0A])
        #expect(fixture.errors() == ["\(fixture.path("conf.d/r.yaml")):2:11: file is not valid UTF-8"])
    }

    @Test func unknownKeysSuggestTheClosest() throws {
        try expectErrors(main: "htpp:\n  listen: \":80\"\nlog:\n  levle: info\n", routes: """
            routes:
              - name: live
                macth: live/*
                ingest: [rtmp]
                outputs:
                  - hls: { segmnet: 2s, bogus: 1 }
            """, [
            "MAIN:1:1: unknown key 'htpp' in main configuration (did you mean 'http'?)",
            "MAIN:4:3: unknown key 'levle' in log (did you mean 'level'?)",
            "ROUTES:2:5: missing required key 'match' in route 'live'",
            "ROUTES:3:5: unknown key 'macth' in route (did you mean 'match'?)",
            "ROUTES:6:16: unknown key 'segmnet' in hls options (did you mean 'segment'?)",
            "ROUTES:6:29: unknown key 'bogus' in hls options (known keys: segment, part, max_segment, window)",
        ])
    }

    @Test func wrongTypes() throws {
        try expectErrors(main: "log: info\nhttp:\n  listen: [a]\n", routes: """
            routes:
              - name: [live]
                match: { a: b }
                ingest: rtmp
                outputs: hls
            """, [
            "MAIN:1:6: expected a mapping for log, found 'info'",
            "MAIN:3:11: expected an address (HOST:PORT), found a list",
            "ROUTES:2:11: expected a string, found a list",
            "ROUTES:3:12: expected a stream pattern, found a mapping",
            "ROUTES:4:13: expected a list of ingest modules such as [rtmp], found 'rtmp'",
            "ROUTES:5:14: expected a list of output modules such as '- NAME: { options }', found 'hls'",
        ])
    }

    @Test func badDurationsBitratesAndRanges() throws {
        try expectErrors(main: "ingest:\n  rtmp: { listen: \":99999\", chunk_size: 64 }\n", routes: """
            routes:
              - name: live
                match: live/*
                ingest: [rtmp]
                process:
                  - transcode:
                      ladder:
                        - { name: hd, height: 720, video_bitrate: 2.8x }
                        - { name: sd, height: 20 }
                      preset: fats
                outputs:
                  - hls: { segment: 2x, part: -1s, window: 2, max_segment: 99999999999999999999s }
            """, [
            "MAIN:2:19: invalid address ':99999': port must be a number in 1...65535",
            "MAIN:2:41: value 64 is out of range 128...65536",
            "ROUTES:8:55: invalid bit rate '2.8x': unexpected 'x' (write e.g. 2800k, 6M or 128000)",
            "ROUTES:9:35: value 20 is out of range 90...4320",
            "ROUTES:10:19: invalid value 'fats': expected one of fast, medium, slow (did you mean 'fast'?)",
            "ROUTES:12:25: invalid duration '2x': unknown unit 'x' (use us, ms, s, m, h or d)",
            "ROUTES:12:35: invalid duration '-1s': must not be negative",
            "ROUTES:12:48: value 2 is out of range 3...1000",
            "ROUTES:12:64: invalid duration '99999999999999999999s': too large",
        ])
    }

    @Test func moduleCrossChecks() throws {
        try expectErrors(routes: """
            routes:
              - name: live
                match: live/*
                ingest: [rtmp]
                outputs:
                  - hls: { segment: 1s, part: 2s }
            """, [
            "ROUTES:6:35: hls option 'part': must not be longer than segment (1s)",
        ])
    }

    @Test func duplicateRouteNamesAcrossFiles() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "")
        try fixture.write("conf.d/a.yaml", "routes:\n  - { name: live, match: live/*, ingest: [rtmp], outputs: [hls] }\n")
        try fixture.write("conf.d/b.yaml", "routes:\n  - name: other\n    match: x\n    ingest: [rtmp]\n    outputs: [hls]\n  - name: live\n    match: y\n    ingest: [rtmp]\n    outputs: [hls]\n")
        #expect(fixture.errors() == [
            "\(fixture.path("conf.d/b.yaml")):6:11: duplicate route name 'live' (first defined at \(fixture.path("conf.d/a.yaml")):2:13)",
        ])
    }

    @Test func unknownAndMisplacedModules() throws {
        try expectErrors(main: "ingest:\n  hls: {}\noutputs:\n  hsl: {}\n", routes: """
            routes:
              - name: live
                match: live/*
                ingest: [rtmp, hls, rtmpp, rtmp]
                process: [rtmp]
                outputs:
                  - dash: {}
                  - srt
                  - hls
                  - hls: { window: 5 }
            """, [
            "MAIN:2:3: 'hls' is an output module, not an ingest module",
            "MAIN:4:3: unknown output module 'hsl' (did you mean 'hls'?)",
            "ROUTES:4:20: 'hls' is an output module, not an ingest module",
            "ROUTES:4:25: unknown ingest module 'rtmpp' (did you mean 'rtmp'?)",
            "ROUTES:4:32: ingest module 'rtmp' is listed twice",
            "ROUTES:5:15: 'rtmp' is an ingest module, not a process module",
            "ROUTES:7:9: unknown output module 'dash' (registered output modules: hls)",
            "ROUTES:8:9: 'srt' is an ingest module, not an output module",
            "ROUTES:10:9: output 'hls' is listed twice in this route (first at ROUTES:9:9)",
        ])
    }

    @Test func missingRequiredKeysPointAtTheMapping() throws {
        try expectErrors(routes: """
            routes:
              - match: live/*
                outputs: []
              - name: t
                match: t/*
                ingest: []
                process:
                  - transcode: { keep_source: false }
                  - transcode:
                      ladder:
                        - { height: 720 }
                outputs:
                  - hls:
                    segment: 2s
            """, [
            "ROUTES:2:5: missing required key 'name' in route",
            "ROUTES:2:5: missing required key 'ingest' in route",
            "ROUTES:3:14: a route needs at least one output module",
            "ROUTES:6:13: a route needs at least one ingest module",
            "ROUTES:8:20: missing required key 'ladder' in transcode options",
            "ROUTES:11:15: missing required key 'name' in transcode options",
            "ROUTES:13:9: 'segment' is an option of 'hls': indent it under 'hls:' or write '- hls: { segment: ... }'",
        ])
    }

    @Test func includeDirectoryMissing() throws {
        try expectErrors(main: "log: { level: info }\ninclude: nowhere\n", routes: nil, [
            "MAIN:2:10: include directory 'DIR/nowhere' does not exist",
        ])
        try expectErrors(main: "", routes: nil, [
            "MAIN:1:1: include directory 'DIR/conf.d' does not exist",
        ])
    }

    @Test func mainFileMissing() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        #expect(fixture.errors() == ["\(fixture.mainFile):1:1: cannot read file: no such file"])
    }

    @Test func misplacedSections() throws {
        try expectErrors(main: "routes: []\n", routes: "log: { level: info }\nroutes:\n  - just a string\n", [
            "MAIN:1:1: routes belong in route files in the include directory, not in the main configuration",
            "ROUTES:1:1: 'log' belongs in the main configuration file, not in a route file",
            "ROUTES:3:5: expected a route (a mapping with name, match, ingest and outputs), found 'just a string'",
        ])
    }

    @Test func routeNamesAndPatternsAreChecked() throws {
        try expectErrors(routes: """
            routes:
              - { name: "my route", match: "/live/*", ingest: [rtmp], outputs: [hls] }
              - { name: "", match: "live//x", ingest: [rtmp], outputs: [hls] }
            """, [
            "ROUTES:2:13: invalid route name 'my route': use letters, digits, '-', '_' and '.'",
            "ROUTES:2:32: invalid stream pattern '/live/*': must not start or end with '/' (write e.g. live/*)",
            "ROUTES:3:13: route name must not be empty",
            "ROUTES:3:24: invalid stream pattern 'live//x': empty path segment",
        ])
    }

    @Test func allErrorsOfAllFilesAreCollectedInFileOrder() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "log: { level: loud }\n")
        try fixture.write("conf.d/b.yaml", "routes:\n  - { name: b, match: b/*, ingest: [rtmp], outputs: [hls: { window: 1 }] }\n")
        try fixture.write("conf.d/a.yaml", "routes: [\n")
        try fixture.write("conf.d/c.yaml", "routes:\n  - { name: c, match: c/*, ingest: [ftp], outputs: [hls] }\n  - { name: d, match: d/*, ingest: [rtmp], outputs: [hls: { part: 1 }] }\n")
        let errors = fixture.errors()
        #expect(errors.count == 5)
        #expect(errors.map { $0.components(separatedBy: ":").first ?? "" } == [
            fixture.mainFile,
            fixture.path("conf.d/a.yaml"),
            fixture.path("conf.d/b.yaml"),
            fixture.path("conf.d/c.yaml"),
            fixture.path("conf.d/c.yaml"),
        ])
        #expect(errors.last == "\(fixture.path("conf.d/c.yaml")):3:67: invalid duration '1': missing unit (write e.g. 1s or 1ms)")
    }

    @Test func errorsPerFileAreCapped() throws {
        let names = Array(repeating: "nope", count: 500).joined(separator: ", ")
        let (fixture, errors) = try errors(routes: "routes:\n  - { name: x, match: x, ingest: [\(names)], outputs: [hls] }\n")
        defer { fixture.remove() }
        #expect(errors.count == NodeReader.maximumErrors + 1)
        #expect(errors.last?.hasSuffix(": too many errors in this file; the rest are not shown") == true)
    }
}
