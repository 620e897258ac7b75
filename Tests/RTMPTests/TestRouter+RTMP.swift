import WeirTestSupport

extension TestRouter {
    /// Grants rtmp publishes to the apps these tests use.
    convenience init() {
        self.init(ingest: "rtmp", apps: ["live"])
    }
}
