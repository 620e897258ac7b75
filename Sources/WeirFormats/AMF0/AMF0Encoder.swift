public import NIOCore

/// Encodes AMF0 values.
///
/// Strings longer than 65535 UTF-8 bytes are written as long strings. Object
/// keys are limited to 65535 bytes by the format; longer keys are cut at a
/// character boundary.
public enum AMF0Encoder {
    /// Appends one value.
    ///
    /// - Parameters:
    ///   - value: The value to encode.
    ///   - buffer: The buffer to append to.
    public static func encode(_ value: AMF0Value, into buffer: inout ByteBuffer) {
        switch value {
        case .number(let number):
            buffer.writeInteger(AMF0Marker.number.rawValue)
            buffer.writeInteger(number.bitPattern)
        case .boolean(let flag):
            buffer.writeInteger(AMF0Marker.boolean.rawValue)
            buffer.writeInteger(UInt8(flag ? 1 : 0))
        case .string(let string):
            let utf8 = string.utf8
            if utf8.count > Int(UInt16.max) {
                buffer.writeInteger(AMF0Marker.longString.rawValue)
                buffer.writeInteger(UInt32(clamping: utf8.count))
                buffer.writeBytes(utf8.prefix(Int(UInt32.max)))
            } else {
                buffer.writeInteger(AMF0Marker.string.rawValue)
                writeShortString(string, into: &buffer)
            }
        case .object(let object):
            buffer.writeInteger(AMF0Marker.object.rawValue)
            writeProperties(object, into: &buffer)
        case .null:
            buffer.writeInteger(AMF0Marker.null.rawValue)
        case .undefined:
            buffer.writeInteger(AMF0Marker.undefined.rawValue)
        case .ecmaArray(let object):
            buffer.writeInteger(AMF0Marker.ecmaArray.rawValue)
            buffer.writeInteger(UInt32(clamping: object.count))
            writeProperties(object, into: &buffer)
        case .strictArray(let elements):
            buffer.writeInteger(AMF0Marker.strictArray.rawValue)
            buffer.writeInteger(UInt32(clamping: elements.count))
            for element in elements.prefix(Int(UInt32.max)) {
                encode(element, into: &buffer)
            }
        case .date(let milliseconds, let zone):
            buffer.writeInteger(AMF0Marker.date.rawValue)
            buffer.writeInteger(milliseconds.bitPattern)
            buffer.writeInteger(zone)
        }
    }

    /// Appends values in order.
    ///
    /// - Parameters:
    ///   - values: The values to encode.
    ///   - buffer: The buffer to append to.
    public static func encode(_ values: [AMF0Value], into buffer: inout ByteBuffer) {
        for value in values {
            encode(value, into: &buffer)
        }
    }

    /// Encodes values into a new buffer.
    ///
    /// - Parameters:
    ///   - values: The values to encode.
    /// - Returns: The encoded bytes.
    public static func encode(_ values: [AMF0Value]) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(values, into: &buffer)
        return buffer
    }

    private static func writeProperties(_ object: AMF0Object, into buffer: inout ByteBuffer) {
        for entry in object.entries {
            writeShortString(entry.key, into: &buffer)
            encode(entry.value, into: &buffer)
        }
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(AMF0Marker.objectEnd.rawValue)
    }

    /// Writes a 16-bit length and the UTF-8 bytes, cut at a character boundary to fit.
    private static func writeShortString(_ string: String, into buffer: inout ByteBuffer) {
        let utf8 = Array(string.utf8)
        var length = min(utf8.count, Int(UInt16.max))
        // Back up over continuation bytes (10xxxxxx) so no character is split.
        while length < utf8.count, length > 0, utf8[length] & 0xC0 == 0x80 {
            length -= 1
        }
        buffer.writeInteger(UInt16(length))
        buffer.writeBytes(utf8[0..<length])
    }
}
