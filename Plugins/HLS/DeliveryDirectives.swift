import WeirCore

/// The blocking-reload query of a media playlist request: `_HLS_msn` and `_HLS_part`.
struct DeliveryDirectives: Hashable {
    /// Wait for this media sequence number.
    var msn: Int64?
    /// Wait for this part of segment ``msn``.
    var part: Int?

    enum Invalid: Error, Hashable, CustomStringConvertible {
        case partWithoutMSN
        case notANumber(name: String)

        var description: String {
            switch self {
            case .partWithoutMSN: "_HLS_part needs _HLS_msn"
            case .notANumber(let name): "\(name) must be a non-negative integer"
            }
        }
    }

    /// Digits of the longest accepted value.
    static let maximumDigits = 15

    /// Reads the directives; other `_HLS_` parameters (such as `_HLS_skip`, which Weir does not
    /// advertise) are ignored, as RFC 8216bis 6.2.5.1 asks.
    init(query: [String: String]) throws(Invalid) {
        msn = try Self.number(query, "_HLS_msn")
        part = try Self.number(query, "_HLS_part").map { Int($0) }
        if part != nil, msn == nil { throw .partWithoutMSN }
    }

    init(msn: Int64? = nil, part: Int? = nil) {
        self.msn = msn
        self.part = part
    }

    private static func number(_ query: [String: String], _ name: String) throws(Invalid) -> Int64? {
        guard let text = query[name] else { return nil }
        guard !text.isEmpty, text.utf8.count <= maximumDigits,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(text) else { throw .notANumber(name: name) }
        return value
    }
}
