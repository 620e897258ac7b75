/// A validated stream path, `APP/KEY`.
///
/// Stream paths become URL segments and may become directory names (the archive), so they are
/// restricted to a safe character set: letters, digits, `.`, `_`, `-`, `~`, with no segment
/// starting with a dot, exactly two segments, and a bounded length.
public struct StreamPath: Sendable, Hashable, CustomStringConvertible {
    public let app: String
    public let key: String

    public static let maxSegmentLength = 128

    public enum Invalid: Error, Equatable, CustomStringConvertible {
        case emptyApp
        case emptyKey
        case unsafe(String)

        public var description: String {
            switch self {
            case .emptyApp: "empty application name"
            case .emptyKey: "empty stream key"
            case .unsafe(let segment): "unsafe characters in '\(segment)' (allowed: A-Z a-z 0-9 . _ - ~, not starting with '.')"
            }
        }
    }

    public init(app: String, key: String) throws(Invalid) {
        guard !app.isEmpty else { throw .emptyApp }
        guard !key.isEmpty else { throw .emptyKey }
        guard Self.isSafe(app) else { throw .unsafe(app) }
        guard Self.isSafe(key) else { throw .unsafe(key) }
        self.app = app
        self.key = key
    }

    /// Parses `APP/KEY`.
    public init(_ path: String) throws(Invalid) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            if parts.count < 2 { throw .emptyKey }
            throw .unsafe(path)
        }
        try self.init(app: String(parts[0]), key: String(parts[1]))
    }

    public var description: String { "\(app)/\(key)" }

    public static func isSafe(_ segment: String) -> Bool {
        guard !segment.isEmpty, segment.utf8.count <= maxSegmentLength, segment.utf8.first != UInt8(ascii: ".") else { return false }
        return segment.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "~"):
                true
            default:
                false
            }
        }
    }
}
