/// A command message that could not be read.
enum RTMPCommandError: Error, CustomStringConvertible {
    case malformed(String)

    var description: String {
        switch self {
        case .malformed(let reason): "malformed command: \(reason)"
        }
    }
}
