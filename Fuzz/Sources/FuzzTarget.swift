/// Every fuzz target, by the name its executable, corpus and crash directories use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case rtmpChunk = "RTMPChunk"
    case amf0 = "AMF0"
    case flvTag = "FLVTag"
    case mpegts = "MPEGTS"
    case h264 = "H264"
    case hevc = "HEVC"
    case audioConfig = "AudioConfig"
    case boxReader = "BoxReader"

    /// Runs one input through the target.
    ///
    /// - Parameters:
    ///   - data: The input.
    public func run(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .rtmpChunk: fuzzRTMPChunk(data)
        case .amf0: fuzzAMF0(data)
        case .flvTag: fuzzFLVTag(data)
        case .mpegts: fuzzMPEGTS(data)
        case .h264: fuzzH264(data)
        case .hevc: fuzzHEVC(data)
        case .audioConfig: fuzzAudioConfig(data)
        case .boxReader: fuzzBoxReader(data)
        }
    }
}
