import NIOCore
import WeirFormats

/// Fuzzes the H.264 parameter set parsers: the SPS, the `avcC` record, and the Annex B and
/// emulation prevention helpers the TS path feeds them through.
///
/// Input: one option byte choosing the mode (low two bits: 0 an SPS payload after its
/// header byte, 1 an `avcC` record, 2 an Annex B stream, 3 the `avcC` builder over the
/// stream's parameter sets), then the data.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzH264(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    switch options & 0x03 {
    case 0:
        exerciseEmulationPrevention(input.rest)
        exerciseH264SPS([0x67] + input.rest)
    case 1:
        exerciseAVCRecord(input.buffer)
    default:
        let units = exerciseAnnexB(input.buffer)
        var sps: [[UInt8]] = []
        var pps: [[UInt8]] = []
        for unit in units {
            let bytes = Array(unit.readableBytesView)
            switch bytes[0] & 0x1F {
            case 7:
                exerciseH264SPS(bytes)
                sps.append(bytes)
            case 8:
                pps.append(bytes)
            default:
                break
            }
        }
        if options & 0x03 == 3, let record = try? AVCDecoderConfigurationRecord(
            sequenceParameterSets: sps, pictureParameterSets: pps)
        {
            exerciseAVCRecord(ByteBuffer(bytes: record.bytes))
        }
    }
}

/// Parses an SPS NAL unit and checks the sizes it reports.
func exerciseH264SPS(_ nalUnit: [UInt8]) {
    guard let sps = try? H264SequenceParameterSet(nalUnit: nalUnit) else { return }
    let limit = 16_384
    precondition(sps.width > 0 && sps.width <= sps.codedWidth && sps.codedWidth <= limit, "SPS width")
    precondition(sps.height > 0 && sps.height <= sps.codedHeight && sps.codedHeight <= limit, "SPS height")
    precondition((8...14).contains(sps.bitDepthLuma) && (8...14).contains(sps.bitDepthChroma), "SPS bit depth")
    _ = sps.frameRate
}

/// Parses an `avcC` record, its first SPS and codec string, and checks that it round-trips.
func exerciseAVCRecord(_ buffer: ByteBuffer) {
    guard let record = try? AVCDecoderConfigurationRecord(parsing: buffer) else { return }
    _ = record.codecString
    if let first = record.sequenceParameterSets.first {
        exerciseH264SPS(first)
    }
    _ = try? record.sequenceParameterSet()
    precondition((try? AVCDecoderConfigurationRecord(parsing: record.bytes)) == record, "avcC does not round-trip")
}

/// Splits an Annex B stream and checks every unit is non-empty and within the input.
func exerciseAnnexB(_ buffer: ByteBuffer) -> [ByteBuffer] {
    let units = NALUnit.annexBUnits(in: buffer)
    precondition(units.allSatisfy { $0.readableBytes > 0 }, "empty Annex B unit")
    precondition(units.reduce(0) { $0 + $1.readableBytes } <= buffer.readableBytes, "Annex B units outgrow the input")
    return units
}

/// Checks that escaping and unescaping emulation prevention bytes gives the input back.
func exerciseEmulationPrevention(_ rbsp: [UInt8]) {
    let escaped = NALUnit.addingEmulationPrevention(rbsp)
    precondition(NALUnit.removingEmulationPrevention(escaped) == rbsp, "emulation prevention does not round-trip")
}
