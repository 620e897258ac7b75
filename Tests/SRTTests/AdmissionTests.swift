import Testing
import WeirCore
@testable import SRT

/// The decision taken in the listen callback, without sockets.
@Suite struct AdmissionTests {
    static func decide(
        _ streamID: String?, routes: RouteTable, connections: Int = 0, maxConnections: Int = 10,
        busy: Set<String> = []
    ) -> Result<SRTAdmission.Grant, SRTAdmission.Rejection> {
        let configuration = SRTServer.Configuration(
            listen: ConfigAddress(host: "127.0.0.1", port: 0), latency: .milliseconds(120), maxConnections: maxConnections, routes: routes)
        return SRTAdmission.decide(streamID: streamID, configuration: configuration, connections: connections) { path, _ in
            busy.contains(path.description)
        }
    }

    static func reason(_ result: Result<SRTAdmission.Grant, SRTAdmission.Rejection>) -> SRTRejectReason? {
        if case .failure(let rejection) = result { return rejection.reason }
        return nil
    }

    @Test func refusesWithTheReasonACallerCanRead() throws {
        let routes = try TestRoutes.standard()
        #expect(Self.reason(Self.decide(nil, routes: routes)) == .badRequest)
        #expect(Self.reason(Self.decide("", routes: routes)) == .badRequest)
        #expect(Self.reason(Self.decide("junk", routes: routes)) == .badRequest)
        #expect(Self.reason(Self.decide("publish:live/a/b", routes: routes)) == .badRequest)
        #expect(Self.reason(Self.decide("#!::r=live/a,m=request", routes: routes)) == .badMode)
        #expect(Self.reason(Self.decide("play:live/a", routes: routes)) == .badMode)
        #expect(Self.reason(Self.decide("publish:other/a", routes: routes)) == .notFound)
        #expect(Self.reason(Self.decide("publish:rtmponly/a", routes: routes)) == .forbidden)
        #expect(Self.reason(Self.decide("publish:live/a", routes: routes, busy: ["live/a"])) == .conflict)
        #expect(Self.reason(Self.decide("publish:live/a", routes: routes, connections: 10)) == .overload)
        #expect(SRTRejectReason.notFound.rawValue == 1404 && SRTRejectReason.conflict.rawValue == 1409)
        #expect(SRTRejectReason.badRequest.rawValue == 1400 && SRTRejectReason.forbidden.rawValue == 1403)
    }

    @Test func grantsWithTheRoutesPassphraseAndLatency() throws {
        let routes = try TestRoutes.standard(latency: .milliseconds(300))
        let open = try Self.decide("publish:live/a", routes: routes, busy: ["live/b"]).get()
        #expect(open.streamID.path.description == "live/a")
        #expect(open.settings == SRTRouteSettings(route: routes.routes[0], globalLatency: .milliseconds(120)))
        #expect(open.settings.passphrase == nil && open.settings.latencyMilliseconds == 120 && open.settings.routeName == "live")

        let secure = try Self.decide("%23!::m=publish,r=secure/cam,u=bob", routes: routes).get()
        #expect(secure.settings.passphrase == "0123456789")
        #expect(secure.settings.keyLength == 0)
        #expect(secure.settings.latencyMilliseconds == 300)
        #expect(secure.streamID.parameters == ["u": "bob"])
    }

    @Test func keyLengthFollowsTheRoute() throws {
        let route = try TestRoutes.route("k", match: "k/*", srt: ["passphrase": .string("0123456789"), "pbkeylen": .string("32")])
        #expect(SRTRouteSettings(route: route, globalLatency: .zero).keyLength == 32)
        // A route listed as a bare name still resolves to the module defaults.
        var bare = try TestRoutes.route("b", match: "b/*")
        bare.ingestModules = []
        let settings = SRTRouteSettings(route: bare, globalLatency: .milliseconds(250))
        #expect(settings.passphrase == nil && settings.keyLength == 0 && settings.latencyMilliseconds == 250)
    }
}
