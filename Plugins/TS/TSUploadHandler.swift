import Logging
import NIOCore
public import WeirCore

/// Takes `PUT`/`POST /ingest/APP/KEY.ts`: the request body is a transport stream publishing
/// `APP/KEY`, for as long as it lasts (chunked uploads are how encoders push live).
///
/// The route that matches the path must list `ts` in its ingest; its `idle_timeout` ends an
/// upload that stops sending.
public struct TSUploadHandler: WebUploadHandler {
    static let prefix = "/ingest/"
    static let suffix = ".ts"

    let ingest: TSIngest

    public func beginUpload(_ request: WebRequest, remoteAddress: String) -> Result<any WebUploadSink, WebUploadRefusal>? {
        guard request.path.hasPrefix(Self.prefix), request.path.hasSuffix(Self.suffix),
              request.path.utf8.count >= Self.prefix.utf8.count + Self.suffix.utf8.count
        else { return nil }
        guard request.method == "PUT" || request.method == "POST" else {
            var response = WebResponse.text(405, "use PUT or POST to push MPEG-TS")
            response.headers.append(("Allow", "PUT, POST"))
            return .failure(WebUploadRefusal(response))
        }
        let name = request.path.dropFirst(Self.prefix.count).dropLast(Self.suffix.count)
        let path: StreamPath
        do {
            path = try StreamPath(String(name))
        } catch {
            return .failure(WebUploadRefusal(.text(400, "bad stream path: \(error) (push to /ingest/APP/KEY.ts)")))
        }
        let idleTimeout = ingest.uploadIdleTimeout(for: path)
        let result = TSSession.open(
            path: path, source: remoteAddress, transport: "http", query: request.query, idleTimeout: idleTimeout,
            eventLoop: ingest.group.next(), context: ingest.sessionContext)
        switch result {
        case .success(let session):
            return .success(TSUploadSink(session: session))
        case .failure(let refusal):
            ingest.logger.warning("TS upload refused", metadata: [
                "stream": "\(path)", "remote": "\(remoteAddress)", "reason": "\(refusal)",
            ])
            return .failure(WebUploadRefusal(Self.response(for: refusal)))
        }
    }

    static func response(for refusal: PublishRefusal) -> WebResponse {
        switch refusal {
        case .noRoute: .text(404, refusal.description)
        case .busy: .text(409, refusal.description)
        case .badName: .text(400, refusal.description)
        case .unauthorized: .text(403, refusal.description)
        case .overLimit: .text(503, refusal.description)
        }
    }
}
