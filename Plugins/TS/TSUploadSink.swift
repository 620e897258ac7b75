import NIOCore
import WeirCore

/// One HTTP upload's body feeding its session, chunk by chunk on the connection's event loop.
final class TSUploadSink: WebUploadSink {
    let session: TSSession

    init(session: TSSession) {
        self.session = session
    }

    func receive(_ chunk: ByteBuffer) -> WebResponse? {
        if session.receive(chunk) { return nil }
        return response(ended: session.endReason)
    }

    func finish() -> WebResponse {
        let wasEnded = session.isEnded
        session.end(.sourceFinished)
        if wasEnded, let reason = session.endReason, reason != .sourceFinished {
            return response(ended: reason)
        }
        let counters = session.counters
        return .text(200, "published \(session.path): \(counters.bytesIn) bytes, \(counters.media.tsPackets) TS packets, \(counters.media.videoPackets) video and \(counters.media.audioPackets) audio frames, \(counters.media.errors) errors")
    }

    func abort() {
        session.end(.connectionLost("upload aborted"))
    }

    private func response(ended reason: TSSessionEnd?) -> WebResponse {
        switch reason {
        case .idle: .text(408, "the upload sent nothing for the idle timeout; the stream ended")
        case .disconnected(let why): .text(409, "the server ended this publish: \(why)")
        default: .text(410, "the stream ended")
        }
    }
}
