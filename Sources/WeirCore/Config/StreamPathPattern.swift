/// A glob over stream paths, such as `live/*`, `*`, `live/cam?` or `events/**`.
///
/// `?` matches one character and `*` any run of characters within one path segment; `**`
/// matches any run of characters across segments. Everything else matches itself.
/// Matching runs on untrusted stream paths, so it is a bounded dynamic program, not backtracking.
public struct StreamPathPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    private let tokens: [Token]

    private enum Token: Sendable, Hashable {
        case character(Unicode.Scalar)
        case anyCharacter
        case segmentRun
        case pathRun
    }

    /// The longest pattern accepted.
    public static let maximumLength = 1024
    /// Paths longer than this never match; real stream paths are short.
    public static let maximumPathLength = 4096

    /// Reads a pattern.
    ///
    /// - Parameters:
    ///   - text: The pattern as written in the configuration.
    public init(parsing text: String) throws(ConfigValueError) {
        guard !text.isEmpty else {
            throw ConfigValueError("empty stream pattern (write e.g. live/* or *)")
        }
        guard text.utf8.count <= Self.maximumLength else {
            throw ConfigValueError("invalid stream pattern: longer than \(Self.maximumLength) bytes")
        }
        if text.hasPrefix("/") || text.hasSuffix("/") {
            throw ConfigValueError("invalid stream pattern '\(text)': must not start or end with '/' (write e.g. live/*)")
        }
        if text.contains("//") {
            throw ConfigValueError("invalid stream pattern '\(text)': empty path segment")
        }
        if text.contains("***") {
            throw ConfigValueError("invalid stream pattern '\(text)': use * within a segment or ** across segments")
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) {
            throw ConfigValueError("invalid stream pattern '\(text)': unexpected character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        var tokens: [Token] = []
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            switch scalars[index] {
            case "*":
                if index + 1 < scalars.count, scalars[index + 1] == "*" {
                    tokens.append(.pathRun)
                    index += 2
                } else {
                    tokens.append(.segmentRun)
                    index += 1
                }
            case "?":
                tokens.append(.anyCharacter)
                index += 1
            default:
                tokens.append(.character(scalars[index]))
                index += 1
            }
        }
        self.text = text
        self.tokens = tokens
    }

    /// Whether `path` (e.g. `live/cam1`) matches this pattern.
    public func matches(_ path: String) -> Bool {
        guard path.utf8.count <= Self.maximumPathLength else { return false }
        let characters = Array(path.unicodeScalars)
        let slash: Unicode.Scalar = "/"
        // previous[j]: the tokens so far match the first j characters of the path.
        var previous = [Bool](repeating: false, count: characters.count + 1)
        previous[0] = true
        var current = previous
        for token in tokens {
            current[0] = previous[0] && (token == .segmentRun || token == .pathRun)
            for j in stride(from: 1, through: characters.count, by: 1) {
                let character = characters[j - 1]
                switch token {
                case .character(let expected):
                    current[j] = previous[j - 1] && character == expected
                case .anyCharacter:
                    current[j] = previous[j - 1] && character != slash
                case .segmentRun:
                    current[j] = previous[j] || (current[j - 1] && character != slash)
                case .pathRun:
                    current[j] = previous[j] || current[j - 1]
                }
            }
            swap(&previous, &current)
        }
        return previous[characters.count]
    }

    public var description: String { text }

    public static func == (lhs: StreamPathPattern, rhs: StreamPathPattern) -> Bool {
        lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }
}
