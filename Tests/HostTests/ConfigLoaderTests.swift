import Foundation
import Logging
import Testing
import WeirCore

@testable import Host

@Suite struct ConfigLoaderTests {
    @Test func resolvesTwoRouteFilesWithDefaults() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", """
            include: conf.d
            log: { level: debug }
            ingest:
              rtmp: { chunk_size: 8192 }
            """)
        try fixture.write("conf.d/20-events.yaml", """
            routes:
              - name: events
                match: events/**
                ingest: [rtmp, srt]
                process:
                  - transcode:
                      ladder:
                        - { name: 720p, height: 720, video_bitrate: 2800k }
                        - { name: 360p, height: 360 }
                outputs:
                  - hls
            """)
        try fixture.write("conf.d/10-live.yaml", """
            routes:
              - name: live
                match: live/*
                ingest: [rtmp]
                outputs:
                  - hls: { segment: 4s, window: 6 }
              - name: studio
                match: studio/cam?
                ingest: [srt]
                outputs:
                  - hls:
            """)

        let configuration = try fixture.load()
        #expect(configuration.mainFile == fixture.mainFile)
        #expect(configuration.includeDirectory == fixture.path("conf.d"))
        #expect(configuration.sourceFiles == [fixture.mainFile, fixture.path("conf.d/10-live.yaml"), fixture.path("conf.d/20-events.yaml")])
        #expect(configuration.logLevel == .debug)
        #expect(configuration.httpListen == ConfigAddress(host: "0.0.0.0", port: 8080))
        #expect(configuration.globalOptions(for: "rtmp").integer("chunk_size") == 8192)
        #expect(configuration.globalOptions(for: "rtmp").address("listen") == ConfigAddress(host: "0.0.0.0", port: 1935))
        #expect(configuration.globalOptions(for: "srt").address("listen")?.port == 8890)
        #expect(configuration.routes.map(\.name) == ["live", "studio", "events"])

        let live = try #require(configuration.routes.first)
        #expect(live.pattern.text == "live/*")
        #expect(live.ingest == ["rtmp"])
        #expect(live.location == SourceLocation(file: fixture.path("conf.d/10-live.yaml"), line: 2, column: 5))
        let hls = try #require(live.output(named: "hls"))
        #expect(hls.kind == .output)
        #expect(hls.location == SourceLocation(file: fixture.path("conf.d/10-live.yaml"), line: 6, column: 9))
        #expect(hls.options.duration("segment") == .seconds(4))
        #expect(hls.options.duration("part") == .milliseconds(200))
        #expect(hls.options.integer("window") == 6)
        #expect(hls.options.duration("max_segment") == nil)
        #expect(hls.options.isExplicit("segment"))
        #expect(!hls.options.isExplicit("part"))
        #expect(hls.options.keys == ["segment", "part", "window"])

        let studio = configuration.routes[1]
        #expect(studio.output(named: "hls")?.options == OptionValues(specs: TestModules.hls.options))

        let events = configuration.routes[2]
        #expect(events.ingest == ["rtmp", "srt"])
        let transcode = try #require(events.process(named: "transcode"))
        #expect(transcode.options.bool("keep_source") == true)
        #expect(transcode.options.string("preset") == "fast")
        let ladder = try #require(transcode.options.objects("ladder"))
        #expect(ladder.map { $0.string("name") } == ["720p", "360p"])
        #expect(ladder.map { $0.bitrate("video_bitrate")?.bitsPerSecond } == [2_800_000, 1_000_000])
        #expect(ladder[1].location == SourceLocation(file: fixture.path("conf.d/20-events.yaml"), line: 9, column: 15))
        #expect(events.output(named: "hls")?.options.integer("window") == 12)
    }

    @Test func routeTableFollowsFileNameThenFileOrder() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "include: routes\n")
        try fixture.write("routes/b.yaml", """
            routes:
              - { name: b-first, match: "live/*", ingest: [rtmp], outputs: [hls] }
              - { name: b-second, match: "**", ingest: [rtmp], outputs: [hls] }
            """)
        try fixture.write("routes/a.yaml", """
            routes:
              - { name: a-vip, match: live/vip, ingest: [rtmp], outputs: [hls] }
              - { name: a-srt, match: "live/*", ingest: [srt], outputs: [hls] }
            """)
        let table = try fixture.load().routeTable
        #expect(table.routes.map(\.name) == ["a-vip", "a-srt", "b-first", "b-second"])
        #expect(table.route(for: "live/vip", ingest: "rtmp")?.name == "a-vip")
        #expect(table.route(for: "live/cam", ingest: "rtmp")?.name == "b-first")
        #expect(table.route(for: "live/cam", ingest: "srt")?.name == "a-srt")
        #expect(table.route(for: "vod/x/y", ingest: "rtmp")?.name == "b-second")
        #expect(table.route(for: "vod/x/y", ingest: "srt") == nil)
    }

    @Test func emptyFilesAndOtherFilesAreFine() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "# nothing but defaults\n")
        try fixture.write("conf.d/empty.yaml", "")
        try fixture.write("conf.d/comments.yaml", "# routes come later\n")
        try fixture.write("conf.d/none.yaml", "routes:\n")
        try fixture.write("conf.d/list.yaml", "routes: []\n")
        try fixture.write("conf.d/.hidden.yaml", "not: [valid\n")
        try fixture.write("conf.d/notes.txt", "not: [valid\n")
        try fixture.write("conf.d/old.yaml.bak", "not: [valid\n")
        let configuration = try fixture.load()
        #expect(configuration.routes.isEmpty)
        #expect(configuration.logLevel == .info)
        #expect(configuration.sourceFiles.count == 5)
    }

    @Test func includeIsRelativeToTheMainFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("conf/weir.yaml", "include: ../conf.d\n")
        try fixture.write("conf.d/live.yaml", "routes:\n  - { name: live, match: live/*, ingest: [rtmp], outputs: [hls] }\n")
        let configuration = try ConfigLoader(modules: TestModules.all).load(mainFile: fixture.path("conf/weir.yaml"))
        #expect(configuration.includeDirectory == fixture.path("conf.d"))
        #expect(configuration.routes.first?.location.file == fixture.path("conf.d/live.yaml"))
    }

    @Test func repositoryDevelopmentConfigurationIsValid() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let mainFile = repository.appendingPathComponent("conf/weir.yaml").path
        let configuration = try ConfigLoader().load(mainFile: mainFile)
        let live = try #require(configuration.routeTable.route(for: "live/cam1", ingest: "rtmp"))
        #expect(live.name == "live")
        #expect(live.output(named: "hls") != nil)
        #expect(configuration.httpListen.port == 8080)
        #expect(configuration.globalOptions(for: "rtmp").address("listen")?.port == 1935)
    }

    @Test func registeredDescriptorsAreConsistent() {
        let names = ModuleRegistry.descriptors.map(\.name)
        #expect(Set(names).count == names.count)
        for module in ModuleRegistry.descriptors {
            for spec in module.options + module.globalOptions {
                if let value = spec.effectiveDefault {
                    #expect(spec.type.accepts(value), "\(module.name).\(spec.name) default does not fit its type")
                }
                #expect(!(spec.required && spec.defaultValue != nil), "\(module.name).\(spec.name) is required and has a default")
                #expect(!spec.doc.isEmpty)
            }
        }
    }

    @Test(arguments: [
        ("conf/weir.yaml", "conf"),
        ("weir.yaml", "."),
        ("/weir.yaml", "/"),
        ("/etc/weir/weir.yaml", "/etc/weir"),
    ])
    func directoryOfPath(path: String, directory: String) {
        #expect(ConfigPath.directory(of: path) == directory)
    }

    @Test(arguments: [
        ("conf.d", "/etc/weir", "/etc/weir/conf.d"),
        ("../conf.d", "conf", "conf.d"),
        ("../conf.d", ".", "../conf.d"),
        ("/srv/routes/", "conf", "/srv/routes"),
        ("./a/./b/../c", "x", "x/a/c"),
        ("../../a", "/etc", "/a"),
    ])
    func resolvesIncludePaths(relative: String, base: String, expected: String) {
        #expect(ConfigPath.resolve(relative, against: base) == expected)
    }
}
