import ArgumentParser
import Foundation
import Testing
import WeirCore

@testable import Host

@Suite struct CLITests {
    @Test func runIsTheDefaultSubcommand() throws {
        let command = try WeirCommand.parseAsRoot([])
        let run = try #require(command as? RunCommand)
        #expect(run.options.config == "/etc/weir/weir.yaml")
    }

    @Test func subcommandsParseTheirOptions() throws {
        let run = try #require(try WeirCommand.parseAsRoot(["run", "--config", "conf/weir.yaml"]) as? RunCommand)
        #expect(run.options.config == "conf/weir.yaml")
        let short = try #require(try WeirCommand.parseAsRoot(["-c", "x.yaml"]) as? RunCommand)
        #expect(short.options.config == "x.yaml")
        let check = try #require(try WeirCommand.parseAsRoot(["check", "--config", "a.yaml"]) as? CheckCommand)
        #expect(check.options.config == "a.yaml")
        #expect(try WeirCommand.parseAsRoot(["plugins"]) is PluginsCommand)
        #expect(try WeirCommand.parseAsRoot(["version"]) is VersionCommand)
        #expect(throws: (any Error).self) { try WeirCommand.parseAsRoot(["check", "--bogus"]) }
    }

    @Test func versionIsOneConstant() {
        #expect(WeirVersion.string == "0.1.0")
        #expect(WeirCommand.configuration.version == WeirVersion.string)
    }

    @Test func checkPrintsEffectiveOptions() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "log: { level: warning }\nhttp: { listen: \"[::]:8081\" }\n")
        let routes = try fixture.write("conf.d/live.yaml", """
            routes:
              - name: live
                match: live/*
                ingest: [rtmp]
                outputs:
                  - hls: { segment: 4s }
            """)
        let report = try CheckCommand.check(mainFile: fixture.mainFile, modules: TestModules.all).get()
        #expect(report == """
            # configuration OK: 1 route from 2 files
            #   \(fixture.mainFile)
            #   \(routes)
            include: \(fixture.path("conf.d"))
            log: { level: warning }
            http: { listen: "[::]:8081" }
            ingest:
              rtmp: { listen: 0.0.0.0:1935, chunk_size: 4096 }
              srt: { listen: 0.0.0.0:8890 }
            process:
              transcode: {}
            outputs:
              hls: {}
            routes:
              - name: live  # \(routes):2:5
                match: live/*
                ingest: [rtmp]
                outputs:
                  - hls: { segment: 4s, part: 200ms, window: 12 }  # unset: max_segment

            """)
    }

    @Test func checkReturnsEveryError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "log: { level: loud }\n")
        try fixture.write("conf.d/live.yaml", "routes:\n  - { name: live, match: live/*, ingest: [rtmp], outputs: [hls: { window: 1 }] }\n")
        let result = CheckCommand.check(mainFile: fixture.mainFile, modules: TestModules.all)
        guard case .failure(let errors) = result else {
            Issue.record("check accepted an invalid configuration")
            return
        }
        #expect(errors.errors.map(\.location.line) == [1, 2])
        #expect(errors.description.split(separator: "\n").count == 2)
    }

    @Test func pluginsListEveryOption() {
        for modules in [ModuleRegistry.descriptors, TestModules.all] {
            let report = PluginsReport.render(modules)
            for module in modules {
                #expect(report.contains("\(module.name) (\(module.kind))"))
                #expect(report.contains(module.summary))
                for spec in module.options + module.globalOptions {
                    #expect(report.contains("\(spec.name): \(spec.type)"), "\(module.name).\(spec.name)")
                    #expect(report.contains("reload: \(spec.reload)"))
                    #expect(report.contains(spec.doc))
                }
            }
        }
        let report = PluginsReport.render([TestModules.hls, TestModules.transcode])
        #expect(report.contains("""
              route 'outputs: - hls:' options:
                segment: duration, default 2s, reload: next-publish
                    Segment.
                part: duration, default 200ms, reload: next-publish
                    Part.
                max_segment: duration, no default, reload: next-publish
                    Unset means 1.5 x segment.
                window: integer 3...1000, default 12, reload: live
                    Window.
            """))
        #expect(report.contains("""
                ladder: list of mapping, required, reload: next-publish
                    Renditions.
                  name: string, required, reload: next-publish
                      Rendition name.
            """))
    }

    /// Runs the built `weir` binary, which sits next to the test bundle.
    static func runWeir(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String)? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("weir"),
            Bundle.main.bundleURL.appendingPathComponent("weir"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("weir"),
        ]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            return nil
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    @Test func executableExitsWithStatusAndLocatedErrors() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("weir.yaml", "")
        try fixture.write("conf.d/live.yaml", "routes:\n  - { name: live, match: live/*, ingest: [rtmp], outputs: [hls] }\n")
        guard let good = try Self.runWeir(["check", "--config", fixture.mainFile]) else {
            Issue.record("the weir executable was not found next to the tests")
            return
        }
        #expect(good.status == 0)
        #expect(good.output.hasPrefix("# configuration OK: 1 route from 2 files\n"))
        #expect(good.errors.isEmpty)

        try fixture.write("conf.d/live.yaml", "routes:\n  - { name: live, match: live/*, ingest: [rtmp], outputs: [hls: { segment: 2x }] }\n")
        let bad = try #require(try Self.runWeir(["check", "--config", fixture.mainFile]))
        #expect(bad.status == 1)
        #expect(bad.output.isEmpty)
        #expect(bad.errors == "\(fixture.path("conf.d/live.yaml")):2:76: invalid duration '2x': unknown unit 'x' (use us, ms, s, m, h or d)\n")

        let version = try #require(try Self.runWeir(["version"]))
        #expect(version.status == 0)
        #expect(version.output == "weir 0.1.0\n")

        let missing = try #require(try Self.runWeir(["run", "--config", fixture.path("absent.yaml")]))
        #expect(missing.status == 1)
        #expect(missing.errors == "\(fixture.path("absent.yaml")):1:1: cannot read file: no such file\n")
    }
}
