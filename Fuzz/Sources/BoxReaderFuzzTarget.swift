import NIOCore
import WeirFormats

/// Fuzzes the ISO-BMFF box reader and the box decoders the tests and tools use on fMP4.
///
/// Input: the file bytes. Every box found is checked against its parent's bounds and handed
/// to the decoder for its type; sample descriptions are read as the sample entries they hold.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzBoxReader(_ data: UnsafeRawBufferPointer) {
    let reader = BoxReader()
    guard let boxes = try? reader.parse(ByteBuffer(bytes: data)) else { return }
    for box in boxes {
        visit(box, reader: reader, inSampleEntry: false)
    }
}

private func visit(_ box: ParsedBox, reader: BoxReader, inSampleEntry: Bool) {
    precondition(box.payload.readableBytes == box.size - box.headerSize, "box payload size")
    precondition(box.payloadOffset == box.offset + box.headerSize, "box payload offset")
    for child in box.children {
        precondition(
            child.offset >= box.payloadOffset && child.offset + child.size <= box.offset + box.size,
            "child box outside its parent")
        visit(child, reader: reader, inSampleEntry: inSampleEntry)
    }
    precondition((try? reader.parseChildren(of: box, skipping: box.payload.readableBytes + 1)) == nil, "skip past the end")
    precondition((try? reader.parseChildren(of: box, skipping: -1)) == nil, "negative skip")

    _ = try? box.fullBoxHeader()
    switch box.type {
    case "mfhd": _ = try? box.mfhdSequenceNumber()
    case "tfdt": _ = try? box.tfdtBaseMediaDecodeTime()
    case "tkhd": _ = try? box.tkhdTrackID()
    case "mdhd": _ = try? box.mdhdTimescale()
    case "tfhd": _ = try? box.tfhd()
    case "trun":
        if let run = try? box.trun() {
            precondition(run.samples.count <= ParsedBox.maxEmptyTrackRunSamples || run.samples.count * 4 <= box.size, "trun samples")
        }
    case "avcC": exerciseAVCRecord(box.payload)
    case "hvcC": exerciseHEVCRecord(box.payload)
    case "stsd":
        // Sample entries nest one level: the boxes inside an entry are not entries themselves.
        guard !inSampleEntry, let entries = try? reader.parseChildren(of: box, skipping: 8) else { return }
        for entry in entries {
            visit(entry, reader: reader, inSampleEntry: true)
            // Visual entries hold their boxes after 78 bytes, audio entries after 28.
            for skip in [78, 28] {
                for child in (try? reader.parseChildren(of: entry, skipping: skip)) ?? [] {
                    visit(child, reader: reader, inSampleEntry: true)
                }
            }
        }
    default:
        break
    }
}
