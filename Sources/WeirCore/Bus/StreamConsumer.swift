/// A consumer the bus calls in the publisher's own call, in order, before it returns.
///
/// For the stream's own packaging only: it must see every packet, it is fast, and handing each
/// packet to another task would cost a thread wake-up per packet (the profile behind
/// bench/PROFILE.md measured a third of ingest CPU there). Anything that can be slow or
/// belongs to a viewer subscribes with a bounded queue instead.
public protocol StreamConsumer: AnyObject, Sendable {
    /// Called with the bus's lock held: it must not call back into the bus.
    func consume(_ event: StreamEvent)
}
