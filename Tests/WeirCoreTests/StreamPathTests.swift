import Testing
import WeirCore

@Suite struct StreamPathTests {
    @Test func acceptsSafePaths() throws {
        let p = try StreamPath("live/cam-1_a.b~c")
        #expect(p.app == "live")
        #expect(p.key == "cam-1_a.b~c")
        #expect(p.description == "live/cam-1_a.b~c")
    }

    @Test(arguments: ["live/", "/key", "live", "live/a/b", "live/..", "live/.hidden", "live/a b", "live/a%2f", "li ve/k", "live/ü", "live/a?b"])
    func refusesUnsafePaths(_ text: String) {
        #expect(throws: StreamPath.Invalid.self) { try StreamPath(text) }
    }

    @Test func emptyKeyIsReportedAsSuch() {
        #expect(throws: StreamPath.Invalid.emptyKey) { try StreamPath(app: "live", key: "") }
    }
}
