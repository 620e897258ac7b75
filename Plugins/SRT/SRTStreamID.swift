public import WeirCore

/// A caller's SRT stream id, parsed: what it wants to do, on which stream path.
///
/// Two forms are understood:
/// - `publish:APP/KEY` (and `play:`, `read:` or `request:` for playback),
/// - the SRT access-control form `#!::r=APP/KEY,m=publish`, keys in any order, where `m`
///   defaults to `request` as the SRT specification says; other keys (`u=`, `s=`, `h=`, `t=`,
///   …) are kept as parameters.
///
/// A resource may carry a query, `APP/KEY?k=v&k2=v2`, whose items join the parameters. A stream
/// id starting with `%23` comes from a client that percent-encoded the `#` (GStreamer URIs):
/// it is read as `#`. Nothing else is percent-decoded, as callers send the stream id verbatim.
public struct SRTStreamID: Sendable, Equatable {
    public enum Mode: String, Sendable {
        case publish
        case request
        case bidirectional
    }

    public var mode: Mode
    public var path: StreamPath
    /// Keys other than `r` and `m`, and the resource's query items.
    public var parameters: [String: String]

    /// libsrt's limit on a stream id, in bytes.
    public static let maxLength = 512
    /// More parameters than this is not a stream id a publisher writes.
    static let maxParameters = 32

    public init(mode: Mode, path: StreamPath, parameters: [String: String] = [:]) {
        self.mode = mode
        self.path = path
        self.parameters = parameters
    }

    /// Parses a stream id as the caller sent it.
    ///
    /// - Parameters:
    ///   - text: the stream id.
    public init(parsing text: String) throws(SRTStreamIDError) {
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maxLength else { throw .unreadable }
        var streamID = Substring(text)
        if streamID.hasPrefix("%23") {
            streamID = "#" + streamID.dropFirst(3)
        }
        if streamID.hasPrefix("#!::") {
            self = try Self.parseKeyed(streamID.dropFirst(4))
            return
        }
        let prefixes: [(String, Mode)] = [("publish:", .publish), ("play:", .request), ("read:", .request), ("request:", .request)]
        for (prefix, mode) in prefixes where streamID.hasPrefix(prefix) {
            var parameters: [String: String] = [:]
            let path = try Self.parseResource(streamID.dropFirst(prefix.utf8.count), into: &parameters)
            self.init(mode: mode, path: path, parameters: parameters)
            return
        }
        throw .unknownForm
    }

    /// Reads `key=value,key=value` after `#!::`.
    private static func parseKeyed(_ body: Substring) throws(SRTStreamIDError) -> SRTStreamID {
        var resource: Substring?
        var mode: Mode?
        var parameters: [String: String] = [:]
        for item in body.split(separator: ",", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else {
                throw .malformed("'\(item)' is not key=value")
            }
            let key = item[..<equals]
            let value = item[item.index(after: equals)...]
            guard !key.isEmpty else { throw .malformed("empty key") }
            switch key {
            case "r":
                guard resource == nil else { throw .malformed("r= given twice") }
                resource = value
            case "m":
                guard mode == nil else { throw .malformed("m= given twice") }
                guard let parsed = Mode(rawValue: String(value)) else { throw .unknownMode(String(value)) }
                mode = parsed
            default:
                try add(String(key), String(value), to: &parameters)
            }
        }
        guard let resource else { throw .missingResource }
        let path = try parseResource(resource, into: &parameters)
        return SRTStreamID(mode: mode ?? .request, path: path, parameters: parameters)
    }

    /// Reads `APP/KEY` with an optional `?k=v&k2=v2` query.
    private static func parseResource(_ resource: Substring, into parameters: inout [String: String]) throws(SRTStreamIDError) -> StreamPath {
        var pathText = resource
        if let question = resource.firstIndex(of: "?") {
            pathText = resource[..<question]
            for item in resource[resource.index(after: question)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let key = parts.first, !key.isEmpty else { throw .malformed("empty query key") }
                try add(String(key), parts.count > 1 ? String(parts[1]) : "", to: &parameters)
            }
        }
        do {
            return try StreamPath(String(pathText))
        } catch {
            throw .invalidPath(error.description)
        }
    }

    private static func add(_ key: String, _ value: String, to parameters: inout [String: String]) throws(SRTStreamIDError) {
        guard parameters[key] == nil else { throw .malformed("\(key)= given twice") }
        guard parameters.count < maxParameters else { throw .malformed("too many parameters") }
        parameters[key] = value
    }
}
