/// Writes the Prometheus text exposition format (version 0.0.4).
///
/// The format wants every line of a family (HELP, TYPE, then all its samples) as one group,
/// while the metrics handler walks stream by stream; so samples are collected per family and
/// the text is put together family by family, in the order the families were first declared.
struct PrometheusText {
    private struct Family {
        var header: String
        var lines = ""
    }

    private var families: [String: Family] = [:]
    private var order: [String] = []

    var text: String {
        var out = ""
        for name in order {
            guard let family = families[name] else { continue }
            out += family.header
            out += family.lines
        }
        return out
    }

    /// Declares a metric family once; later declarations of the same name change nothing.
    mutating func family(_ name: String, _ type: String, _ help: String) {
        guard families[name] == nil else { return }
        families[name] = Family(header: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n")
        order.append(name)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        append(Self.line(name, labels, value), to: name)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int64) {
        sample(name, labels, Double(value))
    }

    /// A histogram family from a ``LatencyHistogram``-style set of cumulative bucket counts.
    mutating func histogram(_ name: String, _ labels: [(String, String)], boundsSeconds: [Double], counts: [Int64], count: Int64, sum: Double) {
        var lines = ""
        for (bound, value) in zip(boundsSeconds, counts) {
            lines += Self.line(name + "_bucket", labels + [("le", Self.format(bound))], Double(value))
        }
        lines += Self.line(name + "_bucket", labels + [("le", "+Inf")], Double(count))
        lines += Self.line(name + "_sum", labels, sum)
        lines += Self.line(name + "_count", labels, Double(count))
        append(lines, to: name)
    }

    /// A sample of an undeclared family still gets a group of its own (untyped).
    private mutating func append(_ lines: String, to family: String) {
        if families[family] == nil {
            families[family] = Family(header: "")
            order.append(family)
        }
        families[family]?.lines += lines
    }

    private static func line(_ name: String, _ labels: [(String, String)], _ value: Double) -> String {
        var text = name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " "
        text += format(value)
        text += "\n"
        return text
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
