extension ConfigValue: CustomStringConvertible {
    /// The value in YAML flow style, as `weir check` prints effective options: `2s`, `[rtmp, srt]`, `{ level: info }`.
    public var description: String {
        switch self {
        case .string(let value): Self.quotedIfNeeded(value)
        case .bool(let value): value ? "true" : "false"
        case .integer(let value): String(value)
        case .duration(let value): value.description
        case .bitrate(let value): value.description
        case .address(let value): Self.quotedIfNeeded(value.description)
        case .pattern(let value): Self.quotedIfNeeded(value.text)
        case .list(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let values): values.description
        }
    }

    /// Plain text where YAML would read it back unchanged, double quotes otherwise.
    static func quotedIfNeeded(_ text: String) -> String {
        let flowIndicators: Set<Character> = [",", "[", "]", "{", "}", "#", "\"", "'"]
        let leadingIndicators: Set<Character> = ["&", "*", "!", "|", ">", "%", "@", "`", "-", "?", ":"]
        let plain = !text.isEmpty
            && text.first.map { !leadingIndicators.contains($0) && !$0.isWhitespace } == true
            && text.last.map { $0 != ":" && !$0.isWhitespace } == true
            && !text.contains(where: { flowIndicators.contains($0) || ($0.isWhitespace && $0 != " ") })
            && !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            && !text.contains(": ")
            && !["true", "false", "yes", "no", "on", "off", "null", "~"].contains(text.lowercased())
            && Int(text) == nil && Double(text) == nil
        if plain { return text }
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    escaped += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return "\"" + escaped + "\""
    }
}
