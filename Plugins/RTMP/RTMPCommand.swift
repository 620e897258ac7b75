import NIOCore
import WeirFormats

/// An AMF0 command message (type 20, or 17 with its AMF3 marker byte): name, transaction id,
/// command object and arguments.
struct RTMPCommand {
    var name: String
    var transactionID: Double
    var commandObject: AMF0Value
    var arguments: [AMF0Value]

    /// Decodes the payload of a command message.
    ///
    /// - Parameters:
    ///   - payload: the message body.
    ///   - amf3: the message was type 17.
    init(payload: ByteBuffer, amf3: Bool) throws(RTMPCommandError) {
        let values: [AMF0Value]
        do {
            values = try AMF0Decoder.decodeCommandMessage(payload, amf3: amf3)
        } catch {
            throw .malformed("\(error)")
        }
        guard let name = values.first?.stringValue else { throw .malformed("command name is not a string") }
        self.name = name
        self.transactionID = values.count > 1 ? values[1].numberValue ?? 0 : 0
        self.commandObject = values.count > 2 ? values[2] : .null
        self.arguments = Array(values.dropFirst(3))
    }

    /// The first argument as a string, which is the stream name of `publish`, `FCPublish`
    /// and `releaseStream`.
    var firstStringArgument: String? { arguments.first?.stringValue }
}
