/// An HTTP request as modules see it, independent of the server implementation.
public struct WebRequest: Sendable {
    public var method: String
    /// The path without the query, percent-decoding NOT applied.
    public var path: String
    /// Query parameters (first occurrence wins), percent-decoded.
    public var query: [String: String]
    public var headers: [(String, String)]
    /// The client's address, `IP:PORT`, for logs, limits and viewer counts.
    public var remoteAddress: String

    public init(method: String, path: String, query: [String: String] = [:], headers: [(String, String)] = [], remoteAddress: String = "") {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
    }

    /// Splits a request target (`/a/b?x=1&y=2`) into path and decoded query.
    public init(method: String, target: String, headers: [(String, String)] = [], remoteAddress: String = "") {
        let pieces = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if pieces.count == 2 {
            for pair in pieces[1].split(separator: "&") {
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = Self.percentDecode(String(kv[0]))
                if query[key] == nil { query[key] = kv.count == 2 ? Self.percentDecode(String(kv[1])) : "" }
            }
        }
        self.init(method: method, path: String(pieces.first ?? ""), query: query, headers: headers, remoteAddress: remoteAddress)
    }

    public func header(_ name: String) -> String? {
        headers.first { HTTPHeaderName.matches($0.0, name) }?.1
    }

    static func percentDecode(_ s: String) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(s.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.startIndex + 1]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
