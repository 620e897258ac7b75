import Logging
import Synchronization

/// The process's log level, one value read by every logger the host hands out.
///
/// Modules keep copies of the logger they were given, and a `Logger` is a value: setting the
/// level on the host's copy would leave every other copy where it was. The log handler reads
/// this box instead, so a reload reaches every copy at once. It is read on every log call, so
/// it is an atomic, not a lock.
final class LogLevelBox: Sendable {
    private let raw: Atomic<UInt8>

    init(_ level: Logger.Level) {
        raw = Atomic(Self.encode(level))
    }

    var level: Logger.Level {
        get { Self.decode(raw.load(ordering: .relaxed)) }
        set { raw.store(Self.encode(newValue), ordering: .relaxed) }
    }

    private static func encode(_ level: Logger.Level) -> UInt8 {
        switch level {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }

    private static func decode(_ value: UInt8) -> Logger.Level {
        switch value {
        case 0: .trace
        case 1: .debug
        case 2: .info
        case 3: .notice
        case 4: .warning
        case 5: .error
        default: .critical
        }
    }
}
