import Testing
import WeirCore

@testable import Host

/// The man page generator on fixed test modules, including kinds and option shapes the
/// registered modules do not have yet (a process module, a list of mappings).
@Suite struct ManPageRendererTests {
    @Test func markersAreReplacedAndPlaceholdersFilled() throws {
        let template = """
            .TH WEIR 8 "@DATE@" "weir @VERSION@"
            .SH ROUTE KEYS
            .\\" weir-docs: route-keys
            .SH END
            """
        let page = try ManPageRenderer.render(template: template, modules: TestModules.all, version: "1.2.3", date: "2024-05-06")
        #expect(page.hasPrefix(".TH WEIR 8 \"2024-05-06\" \"weir 1.2.3\"\n.SH ROUTE KEYS\n.TP\n.B name\n"))
        #expect(page.hasSuffix(".SH END\n"))
        #expect(!page.contains("weir-docs"))
    }

    @Test func anUnknownSectionIsAnErrorWithItsLine() {
        let template = "line one\n.\\\" weir-docs: main-kyes\n"
        #expect {
            _ = try ManPageRenderer.render(template: template, modules: TestModules.all, version: "1", date: "2000-01-01")
        } throws: { error in
            guard let error = error as? ManPageTemplateError else { return false }
            return error.line == 2 && error.message.contains("unknown section 'main-kyes'") && error.message.contains("main-keys")
        }
    }

    @Test func entriesGiveTypeDefaultAndReload() {
        let lines = ManPageRenderer.entries(DocumentedOption.flatten(TestModules.hls.options, prefix: "hls"))
        #expect(Array(lines.prefix(5)) == [
            ".TP", ".B hls.segment", "(\\fIduration\\fR, default \\fB2s\\fR, reload: next\\-publish)", ".br", "Segment.",
        ])
        #expect(lines.contains("(\\fIduration\\fR, unset by default, reload: next\\-publish)"))
        #expect(lines.contains("(\\fIinteger 3...1000\\fR, default \\fB12\\fR, reload: live)"))
    }

    @Test func listsOfMappingsAndRequiredKeysAreDocumented() throws {
        let page = ManPageRenderer.section(.moduleOptions, modules: TestModules.all).joined(separator: "\n")
        let keys = try ManPageTests.documentedKeys(in: ".SH MODULE OPTIONS\n" + page)
        // Ingest, process, then output modules, as a route lists them.
        #expect(keys.map(\.path) == [
            "transcode.ladder", "transcode.ladder[].name", "transcode.ladder[].height", "transcode.ladder[].video_bitrate",
            "transcode.keep_source", "transcode.preset",
            "hls.segment", "hls.part", "hls.max_segment", "hls.window",
        ])
        #expect(page.contains(".B transcode.ladder\n(\\fIlist of mapping\\fR, required, reload: next\\-publish)"))
        #expect(keys.first { $0.path == "transcode.ladder[].video_bitrate" }?.defaultText == "1M")
        #expect(keys.first { $0.path == "transcode.preset" }?.defaultText == "fast")
        #expect(page.contains(".SS transcode (process)"))
        #expect(page.contains(".SS rtmp (ingest)"))
        #expect(page.contains("It takes no options in a route."))
    }

    @Test func aKindWithoutModulesSaysSo() {
        let modules = [TestModules.rtmp, TestModules.hls]
        let routes = ManPageRenderer.section(.moduleOptions, modules: modules)
        #expect(routes.contains("No process modules are compiled into this build; leave \\fBprocess\\fR out of routes."))
        let main = ManPageRenderer.section(.moduleKeys, modules: modules)
        #expect(main.contains(".SS process"))
        #expect(main.contains("No process modules are compiled into this build, so this mapping takes no keys."))
    }

    @Test func moduleKeysCoverEveryGlobalOption() throws {
        let page = ".SH MODULE KEYS\n" + ManPageRenderer.section(.moduleKeys, modules: TestModules.all).joined(separator: "\n")
        let keys = try ManPageTests.documentedKeys(in: page).map(\.path)
        #expect(keys == [
            "ingest", "ingest.rtmp", "ingest.rtmp.listen", "ingest.rtmp.chunk_size", "ingest.srt", "ingest.srt.listen",
            "process", "process.transcode", "outputs", "outputs.hls",
        ])
    }

    @Test func textIsEscapedForRoff() {
        #expect(ManPageRenderer.escape("a-b \\n") == "a\\-b \\en")
        #expect(ManPageRenderer.escape(".starts with a dot") == "\\&.starts with a dot")
        #expect(ManPageRenderer.escape("'quoted") == "\\&'quoted")
        #expect(ManPageRenderer.escape("two\nlines") == "two lines")
        #expect(ManPageRenderer.code("--config") == "\\fB\\-\\-config\\fR")
    }

    @Test func theReaderFindsDefaultsInFacts() {
        #expect(ManPageTests.defaultText(inFacts: "address, default 0.0.0.0:8080, reload: restart") == "0.0.0.0:8080")
        #expect(ManPageTests.defaultText(inFacts: "list of string, default [rtmp, srt], reload: live") == "[rtmp, srt]")
        #expect(ManPageTests.defaultText(inFacts: "duration, unset by default, reload: live") == nil)
        #expect(ManPageTests.defaultText(inFacts: "string, required, reload: live") == nil)
    }

    @Test func docsCommandIsHiddenButParses() throws {
        let command = try #require(try WeirCommand.parseAsRoot(["docs", "man/weir.8.in", "--date", "2001-02-03"]) as? DocsCommand)
        #expect(command.template == "man/weir.8.in")
        #expect(command.date == "2001-02-03")
        #expect(DocsCommand.configuration.shouldDisplay == false)
    }
}
