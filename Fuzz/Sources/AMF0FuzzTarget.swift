import NIOCore
import WeirFormats

/// Fuzzes the AMF0 decoder.
///
/// Input: one option byte (bit 0: decode as a type 17 message, with its AMF3 format byte),
/// then the message body. What decodes must encode and decode again to the same bytes.
///
/// - Parameters:
///   - data: The fuzzer input.
public func fuzzAMF0(_ data: UnsafeRawBufferPointer) {
    var input = FuzzInput(data)
    let options = input.byte()
    exerciseAMF0(input.buffer, amf3: options & 0x01 != 0)
}

/// Decodes a command or data message body and checks that the values round-trip.
func exerciseAMF0(_ body: ByteBuffer, amf3: Bool) {
    guard let values = try? AMF0Decoder.decodeCommandMessage(body, amf3: amf3) else { return }
    let encoded = AMF0Encoder.encode(values)
    let again: [AMF0Value]
    do {
        again = try AMF0Decoder.decodeAll(encoded)
    } catch {
        preconditionFailure("re-encoded AMF0 does not decode: \(error)")
    }
    precondition(AMF0Encoder.encode(again) == encoded, "AMF0 does not round-trip")
}
