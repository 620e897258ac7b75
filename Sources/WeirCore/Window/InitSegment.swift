public import NIOCore

/// A track's initialisation segment (`ftyp`+`moov`), numbered from 0 within an event.
public struct InitSegment: Sendable {
    public var number: Int
    public var format: TrackFormat
    public var data: ByteBuffer

    public init(number: Int, format: TrackFormat, data: ByteBuffer) {
        self.number = number
        self.format = format
        self.data = data
    }
}
