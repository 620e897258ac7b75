import WeirTestSupport

extension TestRouter {
    /// Grants srt publishes to the apps these tests use.
    convenience init() {
        self.init(ingest: "srt", apps: ["live", "secure"])
    }
}
