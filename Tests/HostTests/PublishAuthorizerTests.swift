@testable import Host
import Logging
import NIOPosix
import Testing
import WeirCore

@Suite struct PublishAuthorizerTests {
    static func route(auth: OptionValues?) throws -> RouteConfiguration {
        var settings = OptionValues(specs: ConfigSchema.routeSettings)
        if let auth { settings.set("auth", .object(auth)) }
        return RouteConfiguration(
            name: "live", pattern: try StreamPathPattern(parsing: "live/*"), ingest: ["rtmp"], outputs: [],
            settings: settings, location: SourceLocation(file: "r.yaml", line: 1, column: 1))
    }

    static func request(_ path: String, query: [String: String] = [:]) throws -> PublishRequest {
        PublishRequest(path: try StreamPath(path), ingest: "rtmp", query: query, remoteAddress: "127.0.0.1:5000")
    }

    static let authorizer = Resolving(PublishAuthorizer(hooks: HookClient(group: MultiThreadedEventLoopGroup.singleton), logger: Logger(label: "test")))

    /// Resolves pending decisions so the checks read the same either way.
    struct Resolving {
        let inner: PublishAuthorizer
        init(_ inner: PublishAuthorizer) { self.inner = inner }

        func authorize(_ request: PublishRequest, route: RouteConfiguration) async -> PublishRefusal? {
            switch inner.authorize(request, route: route) {
            case .decided(let refusal): refusal
            case .pending(let ask): await ask()
            }
        }
    }

    static func keys(_ keys: [String]) -> OptionValues {
        var auth = OptionValues(specs: ConfigSchema.authOptions)
        auth.set("keys", .list(keys.map(ConfigValue.string)))
        return auth
    }

    @Test func withoutAuthAnyoneMayPublish() async throws {
        #expect(await Self.authorizer.authorize(try Self.request("live/a"), route: try Self.route(auth: nil)) == nil)
    }

    @Test func keysMatchTheStreamKeyOrTheKeyParameter() async throws {
        let route = try Self.route(auth: Self.keys(["s3cret"]))
        #expect(await Self.authorizer.authorize(try Self.request("live/s3cret"), route: route) == nil)
        #expect(await Self.authorizer.authorize(try Self.request("live/cam", query: ["key": "s3cret"]), route: route) == nil)
        #expect(await Self.authorizer.authorize(try Self.request("live/cam", query: ["key": "nope"]), route: route) == .unauthorized("wrong key"))
        #expect(await Self.authorizer.authorize(try Self.request("live/cam"), route: route) == .unauthorized("missing key"))
    }

    @Test func anUnreachableHookFallsBackToItsDefault() async throws {
        for (fallback, expected) in [("deny", PublishRefusal.unauthorized("publish hook unavailable")), ("allow", nil)] {
            var hook = OptionValues(specs: ConfigSchema.hookOptions)
            // Port 9 on loopback: nothing listens there, so the connection is refused at once.
            hook.set("url", .string("http://127.0.0.1:9/hook"))
            hook.set("default", .string(fallback))
            var auth = OptionValues(specs: ConfigSchema.authOptions)
            auth.set("on_publish", .object(hook))
            #expect(await Self.authorizer.authorize(try Self.request("live/a"), route: try Self.route(auth: auth)) == expected)
        }
    }

    @Test func parsesHookURLs() throws {
        #expect(try HookClient.parse("http://127.0.0.1:8081/on_publish") == .init(host: "127.0.0.1", port: 8081, path: "/on_publish", hostHeader: "127.0.0.1:8081"))
        #expect(try HookClient.parse("http://hooks.local") == .init(host: "hooks.local", port: 80, path: "/", hostHeader: "hooks.local"))
        #expect(throws: HookClient.Failure.self) { try HookClient.parse("https://x/") }
        #expect(throws: HookClient.Failure.self) { try HookClient.parse("http://x:99999/") }
    }
}
