import Synchronization

/// A log destination that keeps what it was given, for tests to read.
final class CollectedLog: TextOutputStream, Sendable {
    private let text = Mutex("")

    func write(_ string: String) {
        text.withLock { $0 += string }
    }

    var lines: [Substring] { text.withLock { $0 }.split(separator: "\n") }
}
