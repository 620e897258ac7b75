/// Why a configuration text could not be read as a value of the expected type.
///
/// The message is a complete sentence fragment meant to follow `FILE:LINE:COL:`,
/// for example `invalid duration '2x': unknown unit 'x' (use us, ms, s, m, h or d)`.
public struct ConfigValueError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
