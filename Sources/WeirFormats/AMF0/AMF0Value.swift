/// A value in Action Message Format version 0 (Adobe AMF0 specification).
///
/// RTMP commands (`connect`, `publish`, …) and data messages (`@setDataFrame`
/// with `onMetaData`) are sequences of AMF0 values. Long strings and XML
/// documents decode into ``string(_:)``; typed objects into ``object(_:)``.
public enum AMF0Value: Sendable, Equatable {
    /// A number: an IEEE 754 double.
    case number(Double)
    /// A boolean.
    case boolean(Bool)
    /// A UTF-8 string.
    case string(String)
    /// An anonymous object with ordered properties.
    case object(AMF0Object)
    /// The null value.
    case null
    /// The undefined value.
    case undefined
    /// An associative (ECMA) array with ordered properties.
    case ecmaArray(AMF0Object)
    /// A dense array.
    case strictArray([AMF0Value])
    /// A date: milliseconds since the Unix epoch and a time zone offset in minutes.
    case date(Double, Int16)

    /// The string, when the value is a string.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The number, when the value is a number.
    public var numberValue: Double? {
        if case .number(let value) = self { value } else { nil }
    }

    /// The boolean, when the value is a boolean.
    public var booleanValue: Bool? {
        if case .boolean(let value) = self { value } else { nil }
    }

    /// The properties, when the value is an object or an ECMA array.
    ///
    /// Clients disagree on which of the two they send for command objects and
    /// metadata, so both are accepted here.
    public var objectValue: AMF0Object? {
        switch self {
        case .object(let object), .ecmaArray(let object): object
        default: nil
        }
    }

    /// The elements, when the value is a strict array.
    public var arrayValue: [AMF0Value]? {
        if case .strictArray(let elements) = self { elements } else { nil }
    }

    /// Whether the value is null or undefined.
    public var isNullOrUndefined: Bool {
        self == .null || self == .undefined
    }
}
