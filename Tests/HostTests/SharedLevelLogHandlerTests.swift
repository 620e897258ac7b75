import Logging
import Testing
@testable import Host

/// A level set once reaches every copy of every logger made with the shared box.
@Suite struct SharedLevelLogHandlerTests {
    static func logger(_ label: String, level: LogLevelBox, into log: CollectedLog) -> Logger {
        Logger(label: label) { label in
            SharedLevelLogHandler(StreamLogHandler(label: label, stream: log, metadataProvider: nil), level: level)
        }
    }

    @Test func aChangedLevelReachesLoggersMadeBeforeIt() {
        let level = LogLevelBox(.info)
        let log = CollectedLog()
        let host = Self.logger("weir", level: level, into: log)
        // A module keeps its own copy, with metadata of its own, as RTMP sessions do.
        var module = host
        module[metadataKey: "remote"] = "127.0.0.1:1"
        let other = Self.logger("other", level: level, into: log)

        module.debug("hidden")
        other.debug("hidden")
        level.level = .debug
        module.debug("module debug")
        other.debug("other debug")
        host.trace("hidden")
        level.level = .warning
        module.info("hidden")

        #expect(log.lines.count == 2)
        #expect(log.lines.first?.contains("debug weir: remote=127.0.0.1:1 [") == true)
        #expect(log.lines.first?.hasSuffix("module debug") == true)
        #expect(log.lines.last?.hasSuffix("other debug") == true)
    }

    @Test func aLevelSetOnOneLoggerStaysWithThatLogger() {
        let level = LogLevelBox(.info)
        let log = CollectedLog()
        let shared = Self.logger("weir", level: level, into: log)
        var quiet = shared
        quiet.logLevel = .critical
        #expect(shared.logLevel == .info)
        level.level = .debug
        #expect(shared.logLevel == .debug)
        #expect(quiet.logLevel == .critical)
        quiet.error("hidden")
        shared.debug("shown")
        #expect(log.lines.count == 1)
    }

    @Test func everyLevelRoundTrips() {
        let box = LogLevelBox(.info)
        for level in Logger.Level.allCases {
            box.level = level
            #expect(box.level == level)
        }
    }
}
