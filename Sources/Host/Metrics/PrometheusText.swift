/// Writes the Prometheus text exposition format (version 0.0.4).
struct PrometheusText {
    private(set) var text = ""
    private var declared = Set<String>()

    /// Declares a metric family once; later samples of the same name reuse the declaration.
    mutating func family(_ name: String, _ type: String, _ help: String) {
        guard declared.insert(name).inserted else { return }
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " "
        text += Self.format(value)
        text += "\n"
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int64) {
        sample(name, labels, Double(value))
    }

    /// A histogram family from a ``LatencyHistogram``-style set of cumulative bucket counts.
    mutating func histogram(_ name: String, _ labels: [(String, String)], boundsSeconds: [Double], counts: [Int64], count: Int64, sum: Double) {
        for (bound, value) in zip(boundsSeconds, counts) {
            sample(name + "_bucket", labels + [("le", Self.format(bound))], value)
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], count)
        sample(name + "_sum", labels, sum)
        sample(name + "_count", labels, count)
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
