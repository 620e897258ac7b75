extension OptionType: CustomStringConvertible {
    /// How `weir plugins` and the man pages name the type: `duration`, `integer 3...1000`, `list of string`.
    public var description: String {
        switch self {
        case .string: "string"
        case .bool: "bool"
        case .integer(let range):
            if let range { "integer \(range.lowerBound)...\(range.upperBound)" } else { "integer" }
        case .duration: "duration"
        case .bitrate: "bitrate"
        case .enumeration(let cases): "one of \(cases.joined(separator: "|"))"
        case .list(let element): "list of \(element)"
        case .object: "mapping"
        case .address: "address"
        case .streamPattern: "stream pattern"
        }
    }
}
