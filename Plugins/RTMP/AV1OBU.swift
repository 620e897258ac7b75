import NIOCore
import WeirFormats

/// One OBU of an AV1 low-overhead bitstream (AV1 5.3), as Enhanced RTMP and ISO-BMFF carry them.
struct AV1OBU {
    /// `obu_type`.
    let type: UInt8
    /// Header, extension and size field included.
    let bytes: ArraySlice<UInt8>
    /// The OBU payload after the header and size field.
    let payload: ArraySlice<UInt8>

    static let temporalDelimiter: UInt8 = 2

    /// Reads the OBU at the start of `input` and removes it.
    ///
    /// - Returns: nil at the end of input. An OBU without `obu_has_size_field` takes the rest.
    /// - Throws: ``CodecError`` for a set forbidden bit, a bad `leb128` or a size past the end.
    static func next(_ input: inout ArraySlice<UInt8>) throws(CodecError) -> AV1OBU? {
        guard let header = input.first else { return nil }
        guard header & 0x80 == 0 else { throw .invalidValue("obu_forbidden_bit") }
        let type = (header >> 3) & 0x0F
        let hasExtension = header & 0x04 != 0
        let hasSize = header & 0x02 != 0
        var position = input.startIndex + (hasExtension ? 2 : 1)
        guard position <= input.endIndex else { throw .truncated("OBU header") }
        var size = input.endIndex - position
        if hasSize {
            var value: UInt64 = 0
            var index = 0
            while true {
                guard index < 8 else { throw .invalidValue("leb128") }
                guard position < input.endIndex else { throw .truncated("OBU size") }
                let byte = input[position]
                value |= UInt64(byte & 0x7F) << UInt64(7 * index)
                position += 1
                index += 1
                if byte & 0x80 == 0 { break }
            }
            guard value <= UInt64(input.endIndex - position) else { throw .truncated("OBU payload") }
            size = Int(value)
        }
        let end = position + size
        let obu = AV1OBU(type: type, bytes: input[input.startIndex..<end], payload: input[position..<end])
        input = input[end...]
        return obu
    }

    /// The temporal unit without its temporal delimiter OBUs, which ISO-BMFF samples should not
    /// carry; unchanged when it has none or does not parse.
    ///
    /// - Parameters:
    ///   - unit: The OBUs of one temporal unit.
    static func removingTemporalDelimiters(_ unit: ByteBuffer) -> ByteBuffer {
        // Encoders put the delimiter first; anything else is passed on as sent.
        guard let first = unit.getInteger(at: unit.readerIndex, as: UInt8.self),
              (first >> 3) & 0x0F == temporalDelimiter
        else { return unit }
        var rest = ArraySlice(unit.readableBytesView)
        var kept = ByteBuffer()
        kept.reserveCapacity(unit.readableBytes)
        do {
            while let obu = try next(&rest) {
                if obu.type != temporalDelimiter { kept.writeBytes(obu.bytes) }
            }
        } catch {
            return unit
        }
        return kept
    }
}
