import Foundation
import Logging
import NIOCore
import WeirCore

/// Decides whether a publisher may publish, by the route's `auth` settings.
///
/// Keys are checked first (the stream key itself, as OBS sends it, or a `key` query parameter);
/// then the `on_publish` hook, if any, has the last word. A hook that cannot be reached or
/// answers too late gets the route's configured default.
struct PublishAuthorizer: Sendable {
    let hooks: HookClient
    let logger: Logger

    func authorize(_ request: PublishRequest, route: RouteConfiguration) -> PublishAuthorization {
        guard let auth = route.settings.object("auth") else { return .decided(nil) }
        if let keys = auth.strings("keys"), !keys.isEmpty {
            let offered = [request.path.key, request.query["key"]].compactMap { $0 }
            guard offered.contains(where: keys.contains) else {
                logger.warning("publish refused: wrong or missing key", metadata: ["stream": "\(request.path)", "route": "\(route.name)", "remote": "\(request.remoteAddress)"])
                return .decided(.unauthorized(request.query["key"] == nil ? "missing key" : "wrong key"))
            }
        }
        guard let hook = auth.object("on_publish"), let url = hook.string("url") else { return .decided(nil) }
        let timeout = hook.duration("timeout") ?? .seconds(2)
        let allowByDefault = hook.string("default") == "allow"
        let body = Self.body(request)
        let hooks = self.hooks
        let logger = self.logger
        return .pending {
            do {
                let status = try await hooks.post(url, body: body, timeout: .microseconds(timeout.microseconds))
                if (200..<300).contains(status) { return nil }
                logger.warning("publish refused by on_publish hook (HTTP \(status))", metadata: ["stream": "\(request.path)", "route": "\(route.name)"])
                return .unauthorized("refused by the publish hook")
            } catch {
                logger.warning("on_publish hook failed (\(error)); \(allowByDefault ? "allowing" : "refusing") by default", metadata: ["stream": "\(request.path)", "route": "\(route.name)"])
                return allowByDefault ? nil : .unauthorized("publish hook unavailable")
            }
        }
    }

    static func body(_ request: PublishRequest) -> String {
        let object: [String: Any] = [
            "stream": request.path.description, "app": request.path.app, "key": request.path.key,
            "ingest": request.ingest, "remote_address": request.remoteAddress, "query": request.query,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
