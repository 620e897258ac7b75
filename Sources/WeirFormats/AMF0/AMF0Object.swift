/// The ordered properties of an AMF0 object or ECMA array.
///
/// Order is kept because it is visible on the wire and some peers depend on
/// it. Keys may repeat in received data; lookups return the first match.
public struct AMF0Object: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The properties in wire order.
    public private(set) var entries: [(key: String, value: AMF0Value)]

    /// Creates an object from ordered properties.
    ///
    /// - Parameters:
    ///   - entries: The properties in order.
    public init(_ entries: [(key: String, value: AMF0Value)] = []) {
        self.entries = entries
    }

    /// Creates an object from a literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, AMF0Value)...) {
        self.entries = elements.map { (key: $0.0, value: $0.1) }
    }

    /// The number of properties.
    public var count: Int {
        entries.count
    }

    /// Whether there are no properties.
    public var isEmpty: Bool {
        entries.isEmpty
    }

    /// The keys in order.
    public var keys: [String] {
        entries.map(\.key)
    }

    /// The value of the first property named `key`.
    ///
    /// Setting replaces the first property with that key in place, appends a
    /// new one when there is none, and removes every property with that key
    /// when set to nil.
    public subscript(key: String) -> AMF0Value? {
        get {
            entries.first { $0.key == key }?.value
        }
        set {
            if let newValue {
                if let index = entries.firstIndex(where: { $0.key == key }) {
                    entries[index].value = newValue
                } else {
                    entries.append((key: key, value: newValue))
                }
            } else {
                entries.removeAll { $0.key == key }
            }
        }
    }

    /// Appends a property, even when the key already exists.
    ///
    /// - Parameters:
    ///   - key: The property name.
    ///   - value: The property value.
    public mutating func append(key: String, value: AMF0Value) {
        entries.append((key: key, value: value))
    }

    /// Objects are equal when they hold the same properties in the same order.
    public static func == (lhs: AMF0Object, rhs: AMF0Object) -> Bool {
        lhs.entries.count == rhs.entries.count
            && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
