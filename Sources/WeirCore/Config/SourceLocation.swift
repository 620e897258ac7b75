/// A position in a configuration file.
///
/// Lines and columns start at 1; columns count Unicode scalars, as the YAML parser does.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path as the loader names it in messages.
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`, the prefix compilers use, so editors can jump to it.
    public var description: String { "\(file):\(line):\(column)" }
}
