public import NIOCore

/// Decodes AMF0 values from untrusted bytes.
///
/// Nesting is limited to ``maxDepth`` levels and each call to ``maxElements``
/// values in total, so hostile input cannot exhaust the stack or memory.
/// ECMA arrays are read until their end marker whatever count they declare,
/// because real clients send wrong counts.
public enum AMF0Decoder {
    /// The deepest nesting of objects and arrays accepted.
    public static let maxDepth = 64
    /// The most values, at any depth, that one call decodes.
    public static let maxElements = 65_536

    /// Decodes one value from the front of a buffer.
    ///
    /// On success the reader index moves past the value; on failure the
    /// buffer is left unchanged.
    ///
    /// - Parameters:
    ///   - buffer: The buffer to read from.
    /// - Returns: The value.
    public static func decode(_ buffer: inout ByteBuffer) throws(AMF0Error) -> AMF0Value {
        var input = buffer
        var state = State()
        let value = try state.decodeValue(&input, depth: 0)
        buffer = input
        return value
    }

    /// Decodes every value in a buffer's readable bytes.
    ///
    /// - Parameters:
    ///   - buffer: The bytes holding a sequence of values.
    /// - Returns: The values in order.
    public static func decodeAll(_ buffer: ByteBuffer) throws(AMF0Error) -> [AMF0Value] {
        var input = buffer
        var state = State()
        var values: [AMF0Value] = []
        while input.readableBytes > 0 {
            values.append(try state.decodeValue(&input, depth: 0))
        }
        return values
    }

    /// Decodes the body of an RTMP command message.
    ///
    /// Type 20 messages hold AMF0 values directly. Type 17 ("AMF3") messages
    /// start with one 0x00 format byte followed by AMF0 values; the byte is
    /// skipped here, and an embedded switch to AMF3 is refused.
    ///
    /// - Parameters:
    ///   - buffer: The message body.
    ///   - amf3: Whether the message was type 17.
    /// - Returns: The command name, transaction id, command object and arguments, as sent.
    public static func decodeCommandMessage(_ buffer: ByteBuffer, amf3: Bool) throws(AMF0Error) -> [AMF0Value] {
        var input = buffer
        if amf3 {
            guard let format = input.readInteger(as: UInt8.self) else { throw .truncated("AMF3 command format byte") }
            guard format == 0 else { throw .amf3NotSupported }
        }
        return try decodeAll(input)
    }

    /// Per-call decoding state: the remaining element budget.
    private struct State {
        var elementsLeft = AMF0Decoder.maxElements

        mutating func decodeValue(_ input: inout ByteBuffer, depth: Int) throws(AMF0Error) -> AMF0Value {
            guard elementsLeft > 0 else { throw .tooManyElements }
            elementsLeft -= 1
            guard let markerByte = input.readInteger(as: UInt8.self) else { throw .truncated("type marker") }
            guard let marker = AMF0Marker(rawValue: markerByte) else { throw .unknownMarker(markerByte) }
            switch marker {
            case .number:
                guard let bits = input.readInteger(as: UInt64.self) else { throw .truncated("number") }
                return .number(Double(bitPattern: bits))
            case .boolean:
                guard let byte = input.readInteger(as: UInt8.self) else { throw .truncated("boolean") }
                return .boolean(byte != 0)
            case .string:
                return .string(try readShortString(&input))
            case .longString, .xmlDocument:
                guard let length = input.readInteger(as: UInt32.self) else { throw .truncated("long string length") }
                return .string(try readString(&input, length: Int(length)))
            case .object:
                return .object(try readProperties(&input, depth: depth + 1))
            case .typedObject:
                _ = try readShortString(&input)  // class name
                return .object(try readProperties(&input, depth: depth + 1))
            case .ecmaArray:
                guard input.readInteger(as: UInt32.self) != nil else { throw .truncated("ECMA array count") }
                return .ecmaArray(try readProperties(&input, depth: depth + 1))
            case .strictArray:
                return .strictArray(try readStrictArray(&input, depth: depth + 1))
            case .date:
                guard let bits = input.readInteger(as: UInt64.self),
                    let zone = input.readInteger(as: Int16.self)
                else { throw .truncated("date") }
                return .date(Double(bitPattern: bits), zone)
            case .null:
                return .null
            case .undefined, .unsupported:
                return .undefined
            case .objectEnd:
                throw .unexpectedObjectEnd
            case .avmPlus:
                throw .amf3NotSupported
            case .movieClip, .reference, .recordSet:
                throw .unknownMarker(markerByte)
            }
        }

        /// Reads `key value` pairs until an empty key followed by the object end marker.
        mutating func readProperties(_ input: inout ByteBuffer, depth: Int) throws(AMF0Error) -> AMF0Object {
            guard depth <= AMF0Decoder.maxDepth else { throw .nestingTooDeep }
            var object = AMF0Object()
            while true {
                let key = try readShortString(&input)
                if key.isEmpty, input.readableBytesView.first == AMF0Marker.objectEnd.rawValue {
                    input.moveReaderIndex(forwardBy: 1)
                    return object
                }
                object.append(key: key, value: try decodeValue(&input, depth: depth))
            }
        }

        mutating func readStrictArray(_ input: inout ByteBuffer, depth: Int) throws(AMF0Error) -> [AMF0Value] {
            guard depth <= AMF0Decoder.maxDepth else { throw .nestingTooDeep }
            guard let declared = input.readInteger(as: UInt32.self) else { throw .truncated("strict array count") }
            let count = Int(declared)
            // Every element takes at least its marker byte, so a larger count cannot be honest.
            guard count <= input.readableBytes else { throw .truncated("strict array") }
            guard count <= elementsLeft else { throw .tooManyElements }
            var elements: [AMF0Value] = []
            elements.reserveCapacity(count)
            for _ in 0..<count {
                elements.append(try decodeValue(&input, depth: depth))
            }
            return elements
        }

        func readShortString(_ input: inout ByteBuffer) throws(AMF0Error) -> String {
            guard let length = input.readInteger(as: UInt16.self) else { throw .truncated("string length") }
            return try readString(&input, length: Int(length))
        }

        func readString(_ input: inout ByteBuffer, length: Int) throws(AMF0Error) -> String {
            guard length <= input.readableBytes else { throw .truncated("string") }
            let bytes = input.readableBytesView.prefix(length)
            guard let string = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
            input.moveReaderIndex(forwardBy: length)
            return string
        }
    }
}
