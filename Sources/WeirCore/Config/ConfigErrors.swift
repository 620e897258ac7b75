/// Every problem found while loading a configuration.
///
/// The loader does not stop at the first problem: an operator fixes them all in one pass.
public struct ConfigErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems in the order the files were read, then by position.
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    /// One `FILE:LINE:COL: message` line per problem.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
