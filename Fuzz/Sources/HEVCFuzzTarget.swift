import NIOCore
import WeirFormats

/// Fuzzes the H.265 parameter set parsers: the SPS and the `hvcC` record (its codec string
/// included).
///
/// Input: one option byte choosing the mode (low two bits: 0 an SPS payload after its
/// two-byte header, 1 an `hvcC` record, 2 an Annex B stream, 3 the `hvcC` builder over the
/// stream's parameter sets), then the data.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzHEVC(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    switch options & 0x03 {
    case 0:
        exerciseHEVCSPS([0x42, 0x01] + input.rest)
    case 1:
        exerciseHEVCRecord(input.buffer)
    default:
        var vps: [[UInt8]] = []
        var sps: [[UInt8]] = []
        var pps: [[UInt8]] = []
        for unit in exerciseAnnexB(input.buffer) {
            let bytes = Array(unit.readableBytesView)
            switch HEVCNALUnitType(headerByte: bytes[0]) {
            case .videoParameterSet: vps.append(bytes)
            case .sequenceParameterSet:
                exerciseHEVCSPS(bytes)
                sps.append(bytes)
            case .pictureParameterSet: pps.append(bytes)
            default: break
            }
        }
        if options & 0x03 == 3, let record = try? HEVCDecoderConfigurationRecord(
            videoParameterSets: vps, sequenceParameterSets: sps, pictureParameterSets: pps)
        {
            exerciseHEVCRecord(ByteBuffer(bytes: record.bytes))
        }
    }
}

/// Parses an SPS NAL unit and checks the sizes it reports.
func exerciseHEVCSPS(_ nalUnit: [UInt8]) {
    guard let sps = try? HEVCSequenceParameterSet(nalUnit: nalUnit) else { return }
    let limit = 16_384
    precondition(sps.width > 0 && sps.width <= sps.codedWidth && sps.codedWidth <= limit, "SPS width")
    precondition(sps.height > 0 && sps.height <= sps.codedHeight && sps.codedHeight <= limit, "SPS height")
    precondition((1...7).contains(sps.maxSubLayers), "SPS sub-layers")
}

/// Parses an `hvcC` record, its first SPS and codec string, and checks that it round-trips.
func exerciseHEVCRecord(_ buffer: ByteBuffer) {
    guard let record = try? HEVCDecoderConfigurationRecord(parsing: buffer) else { return }
    _ = record.codecString
    _ = record.codecString(sampleEntry: "hev1")
    if let first = record.sequenceParameterSets.first {
        exerciseHEVCSPS(first)
    }
    _ = try? record.sequenceParameterSet()
    precondition((try? HEVCDecoderConfigurationRecord(parsing: record.bytes)) == record, "hvcC does not round-trip")
}
