/// One problem found in a configuration file, with the place it was found.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    /// `FILE:LINE:COL: message`.
    public var description: String { "\(location): \(message)" }
}
