import Logging
import NIOCore
import WeirCore
import WeirFormats

/// Audio, video, metadata and aggregate messages.
extension RTMPConnectionHandler {
    func handleMedia(typeID: UInt8, timestamp: UInt32, payload: ByteBuffer, context: ChannelHandlerContext) {
        guard var ingest else {
            // Media before publish, or after unpublish.
            counters.dropped += 1
            return
        }
        self.ingest = nil
        let outcome =
            typeID == RTMPMessageType.video
            ? ingest.video(timestamp: timestamp, payload: payload, counters: &counters)
            : ingest.audio(timestamp: timestamp, payload: payload, counters: &counters)
        self.ingest = ingest
        if case .unsupported(let reason) = outcome {
            logger.error("refusing the stream: \(reason)")
            send(.onStatus(level: "error", code: "NetStream.Publish.Failed", description: reason, messageStreamID: Self.mediaStreamID))
            close(context: context)
        }
    }

    func handleData(_ message: RTMPMessage) {
        guard let values = try? AMF0Decoder.decodeCommandMessage(message.payload, amf3: message.typeID == RTMPMessageType.dataAMF3),
              let metadata = RTMPStreamMetadata(values: values)
        else {
            logger.debug("ignoring RTMP data message")
            return
        }
        self.metadata = metadata
        ingest?.metadata = metadata
        logger.debug("stream metadata", metadata: [
            "framerate": "\(metadata.frameRate.map { "\($0)" } ?? "-")",
            "size": "\(metadata.width.map { "\($0)" } ?? "-")x\(metadata.height.map { "\($0)" } ?? "-")",
            "videocodecid": "\(metadata.videoCodec?.name ?? "-")",
            "videodatarate": "\(metadata.videoDataRate.map { "\($0)" } ?? "-")",
            "audiodatarate": "\(metadata.audioDataRate.map { "\($0)" } ?? "-")",
        ])
    }

    /// An aggregate message: FLV tags back to back, their timestamps relative to the first.
    func handleAggregate(_ message: RTMPMessage, context: ChannelHandlerContext) {
        var body = message.payload
        var firstTimestamp: UInt32?
        while phase != .closing, body.readableBytes >= 11 {
            guard let type = body.readInteger(as: UInt8.self),
                  let sizeHigh = body.readInteger(as: UInt8.self), let sizeLow = body.readInteger(as: UInt16.self),
                  let timeHigh = body.readInteger(as: UInt8.self), let timeLow = body.readInteger(as: UInt16.self),
                  let timeExtended = body.readInteger(as: UInt8.self)
            else { return }
            body.moveReaderIndex(forwardBy: 3)  // stream id
            let size = Int(sizeHigh) << 16 | Int(sizeLow)
            guard let data = body.readSlice(length: size) else {
                counters.dropped += 1
                return
            }
            body.moveReaderIndex(forwardBy: min(4, body.readableBytes))  // previous tag size
            let tagTime = UInt32(timeExtended) << 24 | UInt32(timeHigh) << 16 | UInt32(timeLow)
            let first = firstTimestamp ?? tagTime
            firstTimestamp = first
            if type == RTMPMessageType.audio || type == RTMPMessageType.video {
                handleMedia(typeID: type, timestamp: message.timestamp &+ (tagTime &- first), payload: data, context: context)
            }
        }
    }
}
