/// What flows on a stream bus, in order.
public enum StreamEvent: Sendable {
    /// A track's format became known or changed. Subscribers get the current formats first.
    case format(TrackID, TrackFormat)
    case packet(MediaPacket)
    /// A segment or part cut, decided once for the whole stream.
    case boundary(SegmentBoundary)
    /// The lead track's part target has been fixed for this stream (it never changes after).
    case partTarget(MediaTime)
    /// The publisher left; nothing follows.
    case end
}
