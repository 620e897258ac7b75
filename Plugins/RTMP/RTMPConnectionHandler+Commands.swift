import Logging
import NIOCore
import WeirCore
import WeirFormats

/// AMF0 commands: connecting, creating the stream, publishing and unpublishing.
extension RTMPConnectionHandler {
    func handleCommand(_ message: RTMPMessage, context: ChannelHandlerContext) {
        let command: RTMPCommand
        do {
            command = try RTMPCommand(payload: message.payload, amf3: message.typeID == RTMPMessageType.commandAMF3)
        } catch {
            logger.warning("unreadable RTMP command; closing", metadata: ["error": "\(error)"])
            close(context: context)
            return
        }
        switch command.name {
        case "connect":
            connect(command, context: context)
        case "releaseStream":
            sendResult(command, [.null, .undefined])
        case "FCPublish":
            sendResult(command, [.null, .undefined])
            let info: AMF0Object = [
                "code": .string("NetStream.Publish.Start"),
                "description": .string(command.firstStringArgument ?? ""),
            ]
            send(.command([.string("onFCPublish"), .number(0), .null, .object(info)]))
        case "createStream":
            sendResult(command, [.null, .number(Double(Self.mediaStreamID))])
        case "publish":
            publish(command, messageStreamID: message.messageStreamID, context: context)
        case "FCUnpublish", "deleteStream", "closeStream":
            if publication != nil {
                send(.onStatus(
                    level: "status", code: "NetStream.Unpublish.Success",
                    description: "\(streamPath.map { "\($0)" } ?? "stream") is now unpublished.",
                    messageStreamID: Self.mediaStreamID))
            }
            finishPublication(reason: command.name, clean: true)
        case "play":
            logger.info("refusing RTMP play: this server only ingests over RTMP")
            send(.onStatus(
                level: "error", code: "NetStream.Play.StreamNotFound",
                description: "This server accepts RTMP publishing only; watch over HLS.",
                messageStreamID: message.messageStreamID))
            close(context: context)
        default:
            logger.debug("ignoring RTMP command", metadata: ["command": "\(command.name)"])
        }
    }

    private func sendResult(_ command: RTMPCommand, _ values: [AMF0Value]) {
        send(.command([.string("_result"), .number(command.transactionID)] + values))
    }

    // MARK: connect

    private func connect(_ command: RTMPCommand, context: ChannelHandlerContext) {
        guard app == nil else {
            logger.debug("ignoring a second connect")
            return
        }
        guard let properties = command.commandObject.objectValue, let rawApp = properties["app"]?.stringValue else {
            rejectConnect(command, "connect names no application (use rtmp://HOST/APP/KEY)", context: context)
            return
        }
        var name = Substring(rawApp)
        var query: [String: String] = [:]
        if let mark = name.firstIndex(of: "?") {
            query = Self.parseQuery(name[name.index(after: mark)...])
            name = name[..<mark]
        }
        while name.hasSuffix("/") { name = name.dropLast() }
        guard StreamPath.isSafe(String(name)) else {
            rejectConnect(
                command,
                "application name '\(Self.printable(rawApp))' is not allowed (letters, digits, . _ - ~)",
                context: context)
            return
        }
        app = String(name)
        connectQuery = query
        logger[metadataKey: "app"] = .string(String(name))

        send(.windowAcknowledgementSize(Self.windowAcknowledgementSize))
        send(.setPeerBandwidth(Self.windowAcknowledgementSize))
        send(.setChunkSize(configuration.chunkSize))
        encoder.chunkSize = configuration.chunkSize

        let objectEncoding = properties["objectEncoding"]?.numberValue ?? 0
        // Enhanced RTMP: the server states the FourCC codecs it takes (v1 `fourCcList`, v2
        // `videoFourCcInfoMap` with CanForward) and no extended capabilities (no multitrack,
        // no reconnect request).
        let server: AMF0Object = [
            "fmsVer": .string("FMS/3,0,1,123"),
            "capabilities": .number(31),
            "fourCcList": .strictArray(Self.enhancedFourCCs.map { .string($0) }),
            "videoFourCcInfoMap": .object(AMF0Object(Self.enhancedVideoFourCCs.map { (key: $0, value: .number(4)) })),
            "capsEx": .number(0),
        ]
        let info: AMF0Object = [
            "level": .string("status"),
            "code": .string("NetConnection.Connect.Success"),
            "description": .string("Connection succeeded."),
            "objectEncoding": .number(objectEncoding),
        ]
        sendResult(command, [.object(server), .object(info)])
        logger.debug("RTMP connect", metadata: ["tc_url": "\(properties["tcUrl"]?.stringValue ?? "")"])
    }

    private func rejectConnect(_ command: RTMPCommand, _ description: String, context: ChannelHandlerContext) {
        logger.warning("RTMP connect rejected", metadata: ["reason": "\(description)"])
        let info: AMF0Object = [
            "level": .string("error"),
            "code": .string("NetConnection.Connect.Rejected"),
            "description": .string(description),
        ]
        send(.command([.string("_error"), .number(command.transactionID), .null, .object(info)]))
        close(context: context)
    }

    // MARK: publish

    private func publish(_ command: RTMPCommand, messageStreamID: UInt32, context: ChannelHandlerContext) {
        let statusStream = messageStreamID == 0 ? Self.mediaStreamID : messageStreamID
        guard publication == nil, !authorizing else {
            send(.onStatus(
                level: "error", code: "NetStream.Publish.BadConnection",
                description: "This connection is already publishing.", messageStreamID: statusStream))
            return
        }
        guard let app else {
            refusePublish("publish before connect", code: "NetStream.Publish.BadName", statusStream: statusStream, context: context)
            return
        }
        var name = Substring(command.firstStringArgument ?? "")
        var query = connectQuery
        if let mark = name.firstIndex(of: "?") {
            query.merge(Self.parseQuery(name[name.index(after: mark)...])) { _, fromName in fromName }
            name = name[..<mark]
        }
        guard !name.isEmpty else {
            refusePublish(
                "empty stream key: publish to rtmp://HOST/\(app)/KEY (in OBS, fill in the stream key)",
                code: "NetStream.Publish.BadName", statusStream: statusStream, context: context)
            return
        }
        let path: StreamPath
        do {
            path = try StreamPath(app: app, key: String(name))
        } catch {
            refusePublish(
                "stream key '\(Self.printable(String(name)))' is not allowed: \(error)",
                code: "NetStream.Publish.BadName", statusStream: statusStream, context: context)
            return
        }
        logger[metadataKey: "stream"] = .string(path.description)
        let request = PublishRequest(path: path, ingest: RTMPModule.descriptor.name, query: query, remoteAddress: remoteAddress)
        let ask: @Sendable () async -> PublishRefusal?
        switch router.authorize(request) {
        case .decided(let refusal):
            openPublish(request, refusal: refusal, statusStream: statusStream, context: context)
            return
        case .pending(let pending):
            ask = pending
        }
        // An HTTP hook decides: wait for it off the event loop, then continue here.
        authorizing = true
        let promise = context.eventLoop.makePromise(of: PublishRefusal?.self)
        promise.completeWithTask { await ask() }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { refusal in
            let (handler, context) = bound.value
            handler.authorizing = false
            guard handler.phase != .closing else { return }
            handler.openPublish(request, refusal: refusal, statusStream: statusStream, context: context)
            handler.flush(context: context)
        }
    }

    private func openPublish(_ request: PublishRequest, refusal: PublishRefusal?, statusStream: UInt32, context: ChannelHandlerContext) {
        let path = request.path
        let query = request.query
        let result = refusal.map { Result<Publication, PublishRefusal>.failure($0) } ?? router.openPublish(request)
        switch result {
        case .failure(let refusal):
            let code = switch refusal {
            case .noRoute, .busy, .badName: "NetStream.Publish.BadName"
            case .unauthorized: "NetStream.Publish.Denied"
            case .overLimit: "NetStream.Publish.Rejected"
            }
            refusePublish(refusal.description, code: code, statusStream: statusStream, context: context)
        case .success(let granted):
            publication = granted
            streamPath = path
            // The server may end this session: the route was removed, or another publisher
            // took over a session that had gone silent.
            let channel = context.channel
            let logger = self.logger
            granted.onDisconnect { reason in
                logger.notice("disconnecting publisher: \(reason)")
                // Never close from inside the call that asked: that may be this session's own
                // publish of a packet, which the close would re-enter.
                channel.eventLoop.execute { channel.close(promise: nil) }
            }
            var ingest = RTMPMediaIngest(publication: granted, logger: logger)
            ingest.metadata = metadata
            self.ingest = ingest
            send(.userControl(RTMPUserControlEvent.streamBegin, statusStream))
            send(.onStatus(
                level: "status", code: "NetStream.Publish.Start", description: "\(path) is now published.",
                messageStreamID: statusStream))
            logger.info("publish started", metadata: ["query_keys": "\(query.keys.sorted())"])
        }
    }

    private func refusePublish(_ description: String, code: String, statusStream: UInt32, context: ChannelHandlerContext) {
        logger.warning("RTMP publish refused", metadata: ["reason": "\(description)", "code": "\(code)"])
        send(.onStatus(level: "error", code: code, description: description, messageStreamID: statusStream))
        close(context: context)
    }

    // MARK: Helpers

    /// The Enhanced RTMP video FourCCs the ingest packages.
    static let enhancedVideoFourCCs = ["hvc1", "av01", "avc1"]
    /// Everything announced in `fourCcList`: the video FourCCs and AAC.
    static let enhancedFourCCs = enhancedVideoFourCCs + ["mp4a"]

    /// Splits `a=1&b=2`; a key without `=` gets an empty value. Values are kept as sent.
    static func parseQuery(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&").prefix(64) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first, !key.isEmpty else { continue }
            result[String(key)] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// A client-supplied name made safe for a log line or a status description.
    static func printable(_ text: String) -> String {
        let cleaned = text.unicodeScalars.prefix(128).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }
        return String(cleaned)
    }
}
