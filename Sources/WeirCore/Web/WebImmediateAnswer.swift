/// What a ``WebHandler`` can say about a request without waiting.
public enum WebImmediateAnswer: Sendable {
    /// The answer, ready now.
    case response(WebResponse)
    /// The path is not this handler's.
    case notMine
    /// The answer needs waiting (or work that does not belong on an event loop): ask
    /// ``WebHandler/respond(to:)``.
    case later
}
