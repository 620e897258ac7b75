/// A failure while decoding AMF0 data.
public enum AMF0Error: Error, Hashable, Sendable {
    /// The data ended inside a value; the string names what was being read.
    case truncated(String)
    /// A type marker that AMF0 does not define or that this decoder does not support.
    case unknownMarker(UInt8)
    /// An AMF3 value (the `avmplus` marker 0x11), which this decoder does not support.
    case amf3NotSupported
    /// An object end marker where a value was expected.
    case unexpectedObjectEnd
    /// Objects and arrays nest deeper than ``AMF0Decoder/maxDepth``.
    case nestingTooDeep
    /// More values than ``AMF0Decoder/maxElements`` in one decode call.
    case tooManyElements
    /// A string was not valid UTF-8.
    case invalidUTF8
}
