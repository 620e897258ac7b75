import Testing
import WeirCore
@testable import SRT

@Suite struct StreamIDTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String
        var mode: SRTStreamID.Mode
        var path: String
        var parameters: [String: String] = [:]

        var description: String { text }
    }

    static let accepted: [Case] = [
        Case(text: "publish:live/a", mode: .publish, path: "live/a"),
        Case(text: "#!::r=live/b,m=publish", mode: .publish, path: "live/b"),
        Case(text: "#!::m=publish,r=live/b", mode: .publish, path: "live/b"),
        Case(text: "#!::u=alice,r=live/c,m=publish,s=xyz", mode: .publish, path: "live/c", parameters: ["u": "alice", "s": "xyz"]),
        Case(text: "#!::h=example.com,m=publish,r=app/key-1_2.x~", mode: .publish, path: "app/key-1_2.x~", parameters: ["h": "example.com"]),
        Case(text: "%23!::r=live/d,m=publish", mode: .publish, path: "live/d"),
        Case(text: "#!::r=live/e,m=publish,", mode: .publish, path: "live/e"),
        Case(text: "publish:live/f?key=s3cret&x=1", mode: .publish, path: "live/f", parameters: ["key": "s3cret", "x": "1"]),
        Case(text: "#!::r=live/g?token=t,m=publish", mode: .publish, path: "live/g", parameters: ["token": "t"]),
        // Playback forms parse, and the server refuses them.
        Case(text: "#!::r=live/a,m=request", mode: .request, path: "live/a"),
        Case(text: "#!::r=live/a", mode: .request, path: "live/a"),
        Case(text: "#!::r=live/a,m=bidirectional", mode: .bidirectional, path: "live/a"),
        Case(text: "play:live/a", mode: .request, path: "live/a"),
        Case(text: "read:live/a", mode: .request, path: "live/a"),
    ]

    @Test(arguments: accepted)
    func parses(_ example: Case) throws {
        let parsed = try SRTStreamID(parsing: example.text)
        #expect(parsed.mode == example.mode)
        #expect(parsed.path.description == example.path)
        #expect(parsed.parameters == example.parameters)
    }

    static let refused: [(String, SRTStreamIDError)] = [
        ("", .empty),
        ("live/a", .unknownForm),
        ("junk", .unknownForm),
        ("#live/a", .unknownForm),
        ("#!:r=live/a", .unknownForm),
        ("%2523!::r=live/a,m=publish", .unknownForm),
        ("PUBLISH:live/a", .unknownForm),
        ("#!::", .missingResource),
        ("#!::m=publish", .missingResource),
        ("#!::r=live/a,m=publish,r=live/b", .malformed("r= given twice")),
        ("#!::r=live/a,m=publish,m=publish", .malformed("m= given twice")),
        ("#!::r=live/a,m=publish,u=a,u=b", .malformed("u= given twice")),
        ("#!::r=live/a,m=publish,oops", .malformed("'oops' is not key=value")),
        ("#!::=x,r=live/a", .malformed("empty key")),
        ("#!::r=live/a,m=push", .unknownMode("push")),
        ("publish:live", .invalidPath(StreamPath.Invalid.emptyKey.description)),
        ("publish:live/", .invalidPath(StreamPath.Invalid.emptyKey.description)),
        ("publish:/key", .invalidPath(StreamPath.Invalid.emptyApp.description)),
        ("publish:live/a/b", .invalidPath(StreamPath.Invalid.unsafe("live/a/b").description)),
        ("publish:live/../x", .invalidPath(StreamPath.Invalid.unsafe("live/../x").description)),
        ("publish:live/.hidden", .invalidPath(StreamPath.Invalid.unsafe(".hidden").description)),
        ("publish:live/a b", .invalidPath(StreamPath.Invalid.unsafe("a b").description)),
        ("publish:live/%41", .invalidPath(StreamPath.Invalid.unsafe("%41").description)),
        ("#!::r=live/a,m=publish?x", .unknownMode("publish?x")),
        ("publish:live/a?=v", .malformed("empty query key")),
        (String(repeating: "x", count: 513), .unreadable),
        ("publish:live/" + String(repeating: "k", count: 600), .unreadable),
    ]

    @Test(arguments: refused)
    func refuses(_ text: String, _ expected: SRTStreamIDError) {
        #expect(throws: expected) { try SRTStreamID(parsing: text) }
    }

    @Test func boundsTheNumberOfParameters() throws {
        let many = (0..<40).map { "k\($0)=v" }.joined(separator: ",")
        #expect(throws: SRTStreamIDError.malformed("too many parameters")) {
            try SRTStreamID(parsing: "#!::r=live/a,m=publish,\(many)")
        }
        let some = (0..<SRTStreamID.maxParameters).map { "k\($0)=v" }.joined(separator: ",")
        #expect(try SRTStreamID(parsing: "#!::r=live/a,m=publish,\(some)").parameters.count == SRTStreamID.maxParameters)
    }

    @Test func survivesArbitraryInput() {
        var generator = SplitMix64(seed: 4)
        let alphabet = Array("#!:%23,=/?&rmpublish:live/ab\u{0}é".unicodeScalars)
        for _ in 0..<5000 {
            let length = Int.random(in: 0...40, using: &generator)
            var text = ""
            for _ in 0..<length {
                text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            if let parsed = try? SRTStreamID(parsing: text) {
                #expect(StreamPath.isSafe(parsed.path.app) && StreamPath.isSafe(parsed.path.key))
            }
        }
    }
}

extension SplitMix64 {
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// A small deterministic generator, so a failing random case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
