import Testing
import WeirCore

@Suite struct HTTPHeaderNameTests {
    @Test(arguments: [
        ("Cache-Control", "cache-control", true),
        ("CACHE-CONTROL", "Cache-Control", true),
        ("Cache-Control", "Cache-Contro", false),
        ("Cache-Control", "Cache_Control", false),
        ("a[", "A{", false),
        ("", "", true),
        ("Ärger", "ärger", false),
    ])
    func comparison(a: String, b: String, same: Bool) {
        #expect(HTTPHeaderName.matches(a, b) == same)
    }
}
