import Testing
import WeirCore

@Suite struct ConfigStreamPathPatternTests {
    @Test(arguments: [
        ("live/*", "live/cam1", true),
        ("live/*", "live/a/b", false),
        ("live/*", "other/cam1", false),
        ("live/*", "live", false),
        ("*", "cam1", true),
        ("*", "live/cam1", false),
        ("*/*", "live/cam1", true),
        ("**", "live/cam1/hd", true),
        ("live/**", "live/a/b/c", true),
        ("live/**", "live/a", true),
        ("live/**", "vod/a", false),
        ("**/hd", "live/cam1/hd", true),
        ("**/hd", "live/cam1/sd", false),
        ("live/cam?", "live/cam1", true),
        ("live/cam?", "live/cam12", false),
        ("live/cam?", "live/cam", false),
        ("live/?", "live//", false),
        ("live/cam1", "live/cam1", true),
        ("live/cam1", "live/cam10", false),
        ("live/*-hd", "live/cam1-hd", true),
        ("live/*-hd", "live/cam1-sd", false),
        ("a*b*c", "axxbyyc", true),
        ("a*b*c", "axxbyy", false),
        ("live/é*", "live/école", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) throws {
        #expect(try StreamPathPattern(parsing: pattern).matches(path) == expected)
    }

    @Test(arguments: ["", "/live/*", "live/", "live//x", "live/***", "live /x", "live/\t"])
    func rejects(pattern: String) {
        #expect(throws: ConfigValueError.self) { try StreamPathPattern(parsing: pattern) }
    }

    @Test func refusesOverlongInput() throws {
        #expect(throws: ConfigValueError.self) {
            try StreamPathPattern(parsing: String(repeating: "a", count: StreamPathPattern.maximumLength + 1))
        }
        let pattern = try StreamPathPattern(parsing: "**")
        #expect(!pattern.matches(String(repeating: "a", count: StreamPathPattern.maximumPathLength + 1)))
        #expect(pattern.matches(String(repeating: "a/", count: 1000) + "a"))
    }

    @Test func manyStarsStayPolynomial() throws {
        // Backtracking matchers take exponential time on this; the table stays at pattern x path.
        let pattern = try StreamPathPattern(parsing: String(repeating: "a*", count: 30) + "b")
        #expect(!pattern.matches(String(repeating: "a", count: 2000)))
    }
}
