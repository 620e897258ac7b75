public import NIOCore

/// The parsed body of an FLV video tag, which is also the body of an RTMP video message.
///
/// Handles the legacy header (FLV specification, Annex E) and the Enhanced
/// RTMP `ExVideoTagHeader` (v1 and v2: FourCC codecs, `CodedFramesX`,
/// `ModEx` timestamp offsets, multitrack). The payload is a slice of the
/// input; for AVC and HEVC coded frames it holds length-prefixed NAL units.
public struct FLVVideoTag: Sendable, Equatable {
    /// The frame type.
    public let frameType: FLVVideoFrameType
    /// The codec; `.other(0)` for Enhanced command frames, which name none.
    public let codec: FLVVideoCodec
    /// What the payload holds.
    ///
    /// Legacy command frames carry no packet type and report `.other(0xFF)`.
    public let packetType: FLVVideoPacketType
    /// The composition time offset (PTS minus DTS) in milliseconds.
    public let compositionTime: Int32
    /// Whether the tag used the Enhanced RTMP header.
    public let isEnhanced: Bool
    /// The Enhanced RTMP track id; 0 without multitrack.
    public let trackID: UInt8
    /// The Enhanced RTMP `TimestampOffsetNano` modifier in nanoseconds; 0 when absent.
    public let timestampOffsetNanoseconds: UInt32
    /// The command byte of a command frame (0 start seek, 1 end seek), when present.
    public let videoCommand: UInt8?
    /// The payload after the headers.
    public let payload: ByteBuffer

    /// Whether the frame is a random access point.
    public var isKeyframe: Bool {
        frameType == .keyframe || frameType == .generatedKeyframe
    }

    /// Creates a tag from its fields.
    ///
    /// - Parameters:
    ///   - frameType: The frame type.
    ///   - codec: The codec.
    ///   - packetType: What the payload holds.
    ///   - compositionTime: The composition time offset in milliseconds.
    ///   - isEnhanced: Whether the tag uses the Enhanced RTMP header.
    ///   - trackID: The Enhanced RTMP track id.
    ///   - timestampOffsetNanoseconds: The Enhanced RTMP nanosecond timestamp offset.
    ///   - videoCommand: The command byte of a command frame.
    ///   - payload: The payload.
    public init(
        frameType: FLVVideoFrameType,
        codec: FLVVideoCodec,
        packetType: FLVVideoPacketType,
        compositionTime: Int32 = 0,
        isEnhanced: Bool = false,
        trackID: UInt8 = 0,
        timestampOffsetNanoseconds: UInt32 = 0,
        videoCommand: UInt8? = nil,
        payload: ByteBuffer
    ) {
        self.frameType = frameType
        self.codec = codec
        self.packetType = packetType
        self.compositionTime = compositionTime
        self.isEnhanced = isEnhanced
        self.trackID = trackID
        self.timestampOffsetNanoseconds = timestampOffsetNanoseconds
        self.videoCommand = videoCommand
        self.payload = payload
    }

    /// Parses a single-track video tag body.
    ///
    /// - Parameters:
    ///   - body: The tag or message body.
    /// - Throws: ``FLVTagError``, including ``FLVTagError/multipleTracks(_:)`` for a
    ///   multitrack message with more than one track; use ``tracks(parsing:)`` for those.
    public init(parsing body: ByteBuffer) throws(FLVTagError) {
        let tracks = try Self.tracks(parsing: body)
        guard tracks.count == 1, let only = tracks.first else { throw .multipleTracks(tracks.count) }
        self = only
    }

    /// Parses a video tag body that may hold several Enhanced RTMP tracks.
    ///
    /// - Parameters:
    ///   - body: The tag or message body.
    /// - Returns: One tag per track, in message order; exactly one without multitrack.
    public static func tracks(parsing body: ByteBuffer) throws(FLVTagError) -> [FLVVideoTag] {
        var input = body
        guard let first = input.readInteger(as: UInt8.self) else { throw .truncated("video tag header") }
        if first & 0x80 == 0 {
            return [try parseLegacy(first: first, input: input)]
        }

        let rawFrameType = (first >> 4) & 0x07
        guard let frameType = FLVVideoFrameType(rawValue: rawFrameType) else {
            throw .invalidFrameType(rawFrameType)
        }
        var packetType = first & 0x0F
        var nanoseconds: UInt32 = 0
        while packetType == ExPacketType.modEx {
            let modEx = try readModEx(&input)
            packetType = modEx.packetType
            if let offset = modEx.timestampOffsetNanoseconds {
                nanoseconds = offset
            }
        }

        let context = Context(frameType: frameType, nanoseconds: nanoseconds)
        if packetType != ExPacketType.metadata, frameType == .command {
            guard let command = input.readInteger(as: UInt8.self) else { throw .truncated("video command") }
            return [
                FLVVideoTag(
                    frameType: frameType,
                    codec: .other(0),
                    packetType: mapPacketType(packetType),
                    compositionTime: 0,
                    isEnhanced: true,
                    trackID: 0,
                    timestampOffsetNanoseconds: nanoseconds,
                    videoCommand: command,
                    payload: input.getSlice(at: input.readerIndex, length: 0) ?? ByteBuffer()
                )
            ]
        }

        if packetType == ExPacketType.multitrack {
            return try parseMultitrack(&input, context: context)
        }
        guard let fourCC = input.readInteger(as: UInt32.self) else { throw .truncated("video FourCC") }
        return [try parseEnhancedBody(input, packetType: packetType, fourCC: fourCC, trackID: 0, context: context)]
    }

    /// Enhanced RTMP `VideoPacketType` values.
    private enum ExPacketType {
        static let sequenceStart: UInt8 = 0
        static let codedFrames: UInt8 = 1
        static let sequenceEnd: UInt8 = 2
        static let codedFramesX: UInt8 = 3
        static let metadata: UInt8 = 4
        static let multitrack: UInt8 = 6
        static let modEx: UInt8 = 7
    }

    /// What every track of one message shares.
    private struct Context {
        var frameType: FLVVideoFrameType
        var nanoseconds: UInt32
    }

    private static func parseLegacy(first: UInt8, input: ByteBuffer) throws(FLVTagError) -> FLVVideoTag {
        var input = input
        let rawFrameType = first >> 4
        guard let frameType = FLVVideoFrameType(rawValue: rawFrameType) else {
            throw .invalidFrameType(rawFrameType)
        }
        let codec = FLVVideoCodec(legacyCodecID: first & 0x0F)
        if frameType == .command {
            let command = input.readInteger(as: UInt8.self)
            return FLVVideoTag(
                frameType: frameType,
                codec: codec,
                packetType: .other(0xFF),
                compositionTime: 0,
                isEnhanced: false,
                trackID: 0,
                timestampOffsetNanoseconds: 0,
                videoCommand: command,
                payload: input
            )
        }
        var packetType = FLVVideoPacketType.codedFrames
        var compositionTime: Int32 = 0
        if codec.isNALUnitBased {
            guard let rawPacketType = input.readInteger(as: UInt8.self) else { throw .truncated("AVC packet type") }
            compositionTime = try readSI24(&input, field: "composition time")
            switch rawPacketType {
            case 0: packetType = .sequenceHeader
            case 1: packetType = .codedFrames
            case 2: packetType = .endOfSequence
            default: packetType = .other(rawPacketType)
            }
        }
        return FLVVideoTag(
            frameType: frameType,
            codec: codec,
            packetType: packetType,
            compositionTime: compositionTime,
            isEnhanced: false,
            trackID: 0,
            timestampOffsetNanoseconds: 0,
            videoCommand: nil,
            payload: input
        )
    }

    private static func parseMultitrack(
        _ input: inout ByteBuffer,
        context: Context
    ) throws(FLVTagError) -> [FLVVideoTag] {
        guard let byte = input.readInteger(as: UInt8.self) else { throw .truncated("multitrack header") }
        let multitrackType = byte >> 4
        let packetType = byte & 0x0F
        guard packetType != ExPacketType.multitrack else { throw .nestedMultitrack }
        guard multitrackType <= 2 else { throw .invalidMultitrackType(multitrackType) }
        let oneTrack = multitrackType == 0
        let manyCodecs = multitrackType == 2
        var sharedFourCC: UInt32?
        if !manyCodecs {
            guard let fourCC = input.readInteger(as: UInt32.self) else { throw .truncated("video FourCC") }
            sharedFourCC = fourCC
        }

        var tracks: [FLVVideoTag] = []
        repeat {
            var fourCC: UInt32
            if let sharedFourCC {
                fourCC = sharedFourCC
            } else {
                guard let trackFourCC = input.readInteger(as: UInt32.self) else { throw .truncated("track FourCC") }
                fourCC = trackFourCC
            }
            guard let trackID = input.readInteger(as: UInt8.self) else { throw .truncated("track id") }
            let trackBody: ByteBuffer
            if oneTrack {
                trackBody = input
                input.moveReaderIndex(forwardBy: input.readableBytes)
            } else {
                let size = try readUI24(&input, field: "track size")
                guard let slice = input.readSlice(length: Int(size)) else { throw .truncated("track body") }
                trackBody = slice
            }
            tracks.append(
                try parseEnhancedBody(
                    trackBody,
                    packetType: packetType,
                    fourCC: fourCC,
                    trackID: trackID,
                    context: context
                )
            )
        } while input.readableBytes > 0
        return tracks
    }

    private static func parseEnhancedBody(
        _ body: ByteBuffer,
        packetType rawPacketType: UInt8,
        fourCC: UInt32,
        trackID: UInt8,
        context: Context
    ) throws(FLVTagError) -> FLVVideoTag {
        var input = body
        let codec = FLVVideoCodec(fourCC: fourCC)
        var compositionTime: Int32 = 0
        if rawPacketType == ExPacketType.codedFrames, codec.isNALUnitBased {
            compositionTime = try readSI24(&input, field: "composition time")
        }
        return FLVVideoTag(
            frameType: context.frameType,
            codec: codec,
            packetType: mapPacketType(rawPacketType),
            compositionTime: compositionTime,
            isEnhanced: true,
            trackID: trackID,
            timestampOffsetNanoseconds: context.nanoseconds,
            videoCommand: nil,
            payload: input
        )
    }

    private static func mapPacketType(_ raw: UInt8) -> FLVVideoPacketType {
        switch raw {
        case ExPacketType.sequenceStart: .sequenceHeader
        case ExPacketType.codedFrames, ExPacketType.codedFramesX: .codedFrames
        case ExPacketType.sequenceEnd: .endOfSequence
        case ExPacketType.metadata: .metadata
        default: .other(raw)
        }
    }

    /// Reads one `ModEx` block: its data, modifier type and the next packet type.
    static func readModEx(
        _ input: inout ByteBuffer
    ) throws(FLVTagError) -> (packetType: UInt8, timestampOffsetNanoseconds: UInt32?) {
        guard let sizeByte = input.readInteger(as: UInt8.self) else { throw .truncated("ModEx size") }
        var size = Int(sizeByte) + 1
        if size == 256 {
            guard let wide = input.readInteger(as: UInt16.self) else { throw .truncated("ModEx size") }
            size = Int(wide) + 1
        }
        guard var data = input.readSlice(length: size) else { throw .truncated("ModEx data") }
        guard let typeByte = input.readInteger(as: UInt8.self) else { throw .truncated("ModEx type") }
        var offset: UInt32?
        if typeByte >> 4 == 0, data.readableBytes >= 3 {  // TimestampOffsetNano
            offset = try readUI24(&data, field: "ModEx timestamp offset")
        }
        return (typeByte & 0x0F, offset)
    }

    static func readUI24(_ input: inout ByteBuffer, field: String) throws(FLVTagError) -> UInt32 {
        guard let high = input.readInteger(as: UInt8.self),
            let low = input.readInteger(as: UInt16.self)
        else { throw .truncated(field) }
        return UInt32(high) << 16 | UInt32(low)
    }

    static func readSI24(_ input: inout ByteBuffer, field: String) throws(FLVTagError) -> Int32 {
        let raw = try readUI24(&input, field: field)
        // Sign-extend from bit 23.
        return Int32(bitPattern: raw << 8) >> 8
    }
}
