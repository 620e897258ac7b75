import CSRT
import Logging
import Synchronization

/// Sends libsrt's own log lines to the server's logger instead of standard error.
///
/// libsrt has one log handler per process, so the first server to start installs it. libsrt's
/// errors are mostly about one peer (a wrong passphrase, a lost connection) and are logged as
/// warnings; its warnings repeat what the server logs itself (each refusal) and are logged at
/// debug level, and produced at all only when the server logs at that level.
enum SRTLibraryLog {
    private static let logger = Mutex<Logger?>(nil)

    static func install(_ serverLogger: Logger) {
        let installed = logger.withLock { current -> Bool in
            guard current == nil else { return true }
            var libraryLogger = serverLogger
            libraryLogger[metadataKey: "component"] = "libsrt"
            current = libraryLogger
            return false
        }
        guard !installed else { return }
        srt_setloglevel(serverLogger.logLevel <= .debug ? weir_srt_log_warning() : weir_srt_log_error())
        srt_setlogflags(Int32(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_SEVERITY | SRT_LOGF_DISABLE_EOL))
        srt_setloghandler(nil) { _, level, _, _, area, message in
            guard let message else { return }
            let text = String(cString: message)
            let areaName = area.map { String(cString: $0) } ?? "srt"
            let swiftLevel: Logger.Level = level < weir_srt_log_error() ? .error : level == weir_srt_log_error() ? .warning : .debug
            SRTLibraryLog.log(swiftLevel, "\(areaName): \(text)")
        }
    }

    private static func log(_ level: Logger.Level, _ text: String) {
        guard let logger = logger.withLock({ $0 }) else { return }
        logger.log(level: level, "\(text)")
    }
}
