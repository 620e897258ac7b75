import Foundation
import Testing
import WeirCore
import WeirTestSupport
@testable import SRT

/// Callers the server refuses, and what they are told.
@Suite(.timeLimit(.minutes(2))) struct RefusalTests {
    static func rejection(port: Int, _ streamID: String, passphrase: String? = nil) -> RejectCode? {
        switch TestCaller.connect(port: port, streamID: streamID, passphrase: passphrase) {
        case .success(let caller):
            caller.close()
            return nil
        case .failure(let code):
            return code
        }
    }

    @Test func refusalsCarryReasonCodes() async throws {
        let router = TestRouter()
        try await withServer(router: router) { server, port in
            #expect(Self.rejection(port: port, "publish:other/x") == RejectCode(value: 1404))
            #expect(Self.rejection(port: port, "#!::r=nowhere/x,m=publish") == RejectCode(value: 1404))
            #expect(Self.rejection(port: port, "publish:rtmponly/x") == RejectCode(value: 1403))
            #expect(Self.rejection(port: port, "junk") == RejectCode(value: 1400))
            #expect(Self.rejection(port: port, "") == RejectCode(value: 1400))
            #expect(Self.rejection(port: port, "publish:live/../etc") == RejectCode(value: 1400))
            #expect(Self.rejection(port: port, "#!::r=live/a,m=request") == RejectCode(value: 1405))
            #expect(Self.rejection(port: port, "#!::r=live/a") == RejectCode(value: 1405))
            #expect(Self.rejection(port: port, "play:live/a") == RejectCode(value: 1405))
            // Nothing refused in the handshake reached the router.
            #expect(router.requests.isEmpty)
            #expect(server.rejections[.notFound] == 2 && server.rejections[.badRequest] == 3 && server.rejections[.badMode] == 3)
        }
    }

    @Test func passphraseMustMatchTheRoute() async throws {
        let router = TestRouter()
        try await withServer(router: router, routes: try TestRoutes.standard(latency: .milliseconds(300))) { server, port in
            #expect(Self.rejection(port: port, "publish:secure/a", passphrase: "wrong-passphrase") == .badSecret)
            #expect(Self.rejection(port: port, "publish:secure/a") == .unsecure)
            #expect(Self.rejection(port: port, "publish:live/a", passphrase: "0123456789") == .unsecure)
            #expect(router.requests.isEmpty)
            let caller = try TestCaller.connect(port: port, streamID: "publish:secure/a", passphrase: "0123456789").get()
            #expect(await eventually { server.sessions.map(\.path.description) == ["secure/a"] })
            // The route's latency, not the global 120 ms, was set during the handshake.
            #expect(await eventually { server.sessions.first?.statistics.latencyMilliseconds == 300 })
            caller.close()
            #expect(await eventually { router.endCount("secure/a") == 1 })
        }
    }

    @Test func busyPathIsRefusedWithConflict() async throws {
        let router = TestRouter()
        try await withServer(router: router) { server, port in
            let holder = try TestCaller.connect(port: port, streamID: "publish:live/busy").get()
            defer { holder.close() }
            #expect(await eventually { server.sessions.contains { $0.path.description == "live/busy" } })
            #expect(Self.rejection(port: port, "#!::m=publish,r=live/busy") == RejectCode(value: 1409))
            #expect(router.requests.count == 1)
            // Another path is unaffected.
            #expect(Self.rejection(port: port, "publish:live/free") == nil)
            #expect(holder.isConnected)
        }
    }

    @Test func connectionLimitRefusesWithOverload() async throws {
        try await withServer(maxConnections: 1) { server, port in
            let first = try TestCaller.connect(port: port, streamID: "publish:live/one").get()
            defer { first.close() }
            #expect(await eventually { server.sessions.count == 1 })
            #expect(Self.rejection(port: port, "publish:live/two") == RejectCode(value: 1402))
        }
    }

    @Test func routerRefusalAfterTheHandshakeDisconnects() async throws {
        // The route table takes `elsewhere/*`, the router does not.
        let routes = RouteTable(routes: try TestRoutes.standard().routes + [try TestRoutes.route("elsewhere", match: "elsewhere/*")])
        let router = TestRouter()
        try await withServer(router: router, routes: routes) { server, port in
            let caller = try TestCaller.connect(port: port, streamID: "publish:elsewhere/x").get()
            defer { caller.close() }
            #expect(await eventually { router.refusals == [.noRoute("elsewhere/x")] })
            #expect(await eventually { !caller.isConnected })
            #expect(server.sessions.isEmpty)
            #expect(server.rejections[.notFound] == 1)
        }
    }

    @Test func stopEndsEverySessionOnce() async throws {
        let router = TestRouter()
        var caller: TestCaller?
        try await withServer(router: router) { server, port in
            caller = try TestCaller.connect(port: port, streamID: "publish:live/stop").get()
            #expect(await eventually { server.sessions.count == 1 })
        }
        #expect(router.endCount("live/stop") == 1)
        #expect(await eventually { caller?.isConnected == false })
        caller?.close()
    }

    @Test func silentPublisherIsDisconnected() async throws {
        let router = TestRouter()
        try await withServer(router: router, idleTimeout: .seconds(1)) { server, port in
            let caller = try TestCaller.connect(port: port, streamID: "publish:live/silent").get()
            defer { caller.close() }
            #expect(await eventually { router.endCount("live/silent") == 1 })
            #expect(await eventually { !caller.isConnected })
            #expect(server.sessions.isEmpty)
        }
    }

    @Test func reloadedRoutesApplyToNewCallers() async throws {
        try await withServer { server, port in
            #expect(Self.rejection(port: port, "publish:later/x") == RejectCode(value: 1404))
            var configuration = server.configuration
            configuration.routes = RouteTable(routes: configuration.routes.routes + [try TestRoutes.route("later", match: "later/*")])
            server.update(configuration: configuration)
            // Admitted by the new route; the test router itself refuses `later/*` after the handshake.
            #expect(Self.rejection(port: port, "publish:later/x") == nil)
        }
    }

    @Test(.enabled(if: Publishers.haveFFmpeg))
    func ffmpegIsToldItWasRejected() async throws {
        let router = TestRouter()
        try await withServer(router: router) { _, port in
            let unrouted = try await Publishers.ffmpegSRT(port: port, streamID: "publish:other/x", seconds: 1)
            #expect(unrouted.status != nil && unrouted.status != 0)
            // ffmpeg 5.1 prints libsrt's text for application reject codes, not the number.
            #expect(unrouted.standardError.localizedCaseInsensitiveContains("reject"), "\(unrouted.standardError)")

            let wrong = try await Publishers.ffmpegSRT(port: port, streamID: "publish:secure/x", query: "&passphrase=not-the-passphrase", seconds: 1)
            #expect(wrong.status != nil && wrong.status != 0)
            #expect(router.requests.isEmpty)
        }
    }
}
