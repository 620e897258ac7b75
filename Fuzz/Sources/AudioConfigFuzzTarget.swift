import NIOCore
import WeirFormats

/// Fuzzes the AAC configuration parsers: the AudioSpecificConfig of RTMP sequence headers
/// and the ADTS header of MPEG-TS audio, which is turned into one.
///
/// Input: one option byte (bit 0: an ADTS header, else an AudioSpecificConfig), then the data.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzAudioConfig(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    if options & 0x01 != 0 {
        exerciseADTSHeader(input.buffer)
    } else {
        exerciseAudioSpecificConfig(input.buffer)
    }
}

/// Parses an AudioSpecificConfig and checks what it reports.
func exerciseAudioSpecificConfig(_ buffer: ByteBuffer) {
    guard let config = try? AudioSpecificConfig(parsing: buffer) else { return }
    precondition(config.sampleRate > 0 && config.channelCount > 0, "AudioSpecificConfig rate or channels")
    precondition([1024, 960, 512, 480].contains(config.samplesPerFrame), "AudioSpecificConfig frame size")
    _ = config.codecString
    var written = ByteBuffer()
    config.write(to: &written)
    precondition((try? AudioSpecificConfig(parsing: written)) == config, "AudioSpecificConfig does not round-trip")
}

/// Parses an ADTS header, checks that it round-trips, and builds its AudioSpecificConfig.
func exerciseADTSHeader(_ buffer: ByteBuffer) {
    guard let header = try? ADTSHeader(parsing: buffer) else { return }
    precondition(header.frameLength > header.headerSize && header.frameLength < 1 << 13, "ADTS frame length")
    var written = ByteBuffer()
    header.write(to: &written)
    precondition((try? ADTSHeader(parsing: written)) == header, "ADTS header does not round-trip")
    guard let config = try? header.audioSpecificConfig() else { return }
    precondition(config.sampleRate == header.sampleRate, "ADTS sample rate lost")
    exerciseAudioSpecificConfig(ByteBuffer(bytes: config.bytes))
}
