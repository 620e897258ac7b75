/// A man page template that cannot be rendered, such as one naming an unknown generated section.
struct ManPageTemplateError: Error, CustomStringConvertible {
    /// The 1-based line of the template.
    var line: Int
    var message: String

    var description: String { "line \(line): \(message)" }
}
