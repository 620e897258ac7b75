import WeirTestSupport

extension TestRouter {
    /// Grants ts publishes to the apps these tests use.
    convenience init() {
        self.init(ingest: "ts", apps: ["studio"])
    }
}
