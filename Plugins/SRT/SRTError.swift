import CSRT

/// A libsrt call that failed while setting the listener up.
public struct SRTError: Error, Sendable, CustomStringConvertible {
    /// What the server was doing, e.g. `bind 0.0.0.0:8890`.
    public var operation: String
    /// libsrt's error code (`SRT_ERRNO`), 0 when the failure was not libsrt's.
    public var code: Int32
    public var message: String

    public init(operation: String, code: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// The calling thread's last libsrt error.
    static func last(_ operation: String) -> SRTError {
        let code = weir_srt_last_error()
        let message = srt_getlasterror_str().map { String(cString: $0) } ?? "unknown error"
        return SRTError(operation: operation, code: code, message: message)
    }

    public var description: String { "SRT \(operation) failed: \(message)" }
}
