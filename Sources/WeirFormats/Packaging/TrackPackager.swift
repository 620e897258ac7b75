import NIOCore
import WeirCore

/// Packages one track of a stream into CMAF parts in the stream's window.
///
/// Video samples are held back by one: a video sample's duration is the gap to the next one,
/// so it can only be written once the next sample (or the boundary that follows it) arrives.
/// Audio durations are known (a frame's sample count), so audio parts close as soon as full.
struct TrackPackager {
    let declaration: TrackDeclaration
    private(set) var format: TrackFormat?
    private var samples: [FragmentSample] = []
    private var sampleData = ByteBuffer()
    private var partStart: MediaTime?
    private var partIndependent = false
    private var partTicks: Int64 = 0
    private var held: MediaPacket?
    private var lastDuration: Int64 = 0
    private var fragmentSequence: UInt32 = 0
    /// The last segment this track put a part into; -1 before its first.
    var filledSequence: Int64 = -1
    /// A new format is waiting for the segment boundary that starts its first segment.
    private(set) var awaitingBoundary = false
    private var deferred: [MediaPacket] = []

    init(declaration: TrackDeclaration) {
        self.declaration = declaration
    }

    var name: String { declaration.name }
    var hasFormat: Bool { format != nil }

    /// Installs a (new) format and returns the init segment to publish.
    mutating func setFormat(_ newFormat: TrackFormat) -> ByteBuffer? {
        let changed = format != nil
        format = newFormat
        if changed { awaitingBoundary = true }
        return Self.initSegment(for: newFormat)
    }

    /// Samples buffered while waiting for the boundary after a format change.
    mutating func takeDeferred() -> [MediaPacket] {
        awaitingBoundary = false
        defer { deferred.removeAll() }
        return deferred
    }

    mutating func deferPacket(_ packet: MediaPacket) { deferred.append(packet) }

    /// Adds a packet; returns the previous (held) video sample's packet once its duration is known.
    mutating func add(_ packet: MediaPacket) {
        guard let format else { return }
        if format.kind == .audio {
            let duration = Int64(packet.duration > 0 ? packet.duration : Int32(format.samplesPerFrame))
            append(packet, duration: duration)
            return
        }
        if let previous = held {
            var duration = packet.dts.ticks - previous.dts.ticks
            if duration <= 0 { duration = max(lastDuration, 1) }
            append(previous, duration: duration)
        }
        held = packet
    }

    /// Duration of the part being filled, in the track's timescale ticks.
    var currentPartTicks: Int64 { partTicks }

    var audioFrameTicks: Int64 { Int64(format?.samplesPerFrame ?? 1024) }

    var isEmpty: Bool { samples.isEmpty && held == nil }

    private mutating func append(_ packet: MediaPacket, duration: Int64) {
        if samples.isEmpty {
            partStart = packet.dts
            partIndependent = packet.isKeyframe
            partTicks = 0
        }
        var data = packet.data
        samples.append(FragmentSample(
            duration: UInt32(clamping: duration), size: UInt32(data.readableBytes),
            isSync: packet.isKeyframe, compositionOffset: packet.compositionOffset))
        sampleData.writeBuffer(&data)
        partTicks += duration
        lastDuration = duration
    }

    /// Writes the held video sample with its duration ending at `time` (a cut point).
    mutating func releaseHeld(endingAt time: MediaTime?) {
        guard let previous = held else { return }
        held = nil
        var duration = lastDuration
        if let time {
            let end = time.converted(to: previous.dts.timescale).ticks
            if end > previous.dts.ticks { duration = end - previous.dts.ticks }
        }
        append(previous, duration: max(duration, 1))
    }

    /// Closes the part being filled into a CMAF fragment.
    mutating func takePart() -> (data: ByteBuffer, start: MediaTime, duration: MediaTime, independent: Bool)? {
        guard !samples.isEmpty, let partStart, let format else { return nil }
        fragmentSequence &+= 1
        var out = ByteBuffer()
        out.reserveCapacity(sampleData.readableBytes + 64 + samples.count * 16)
        do {
            try CMAFFragment.write(
                sequenceNumber: fragmentSequence, trackID: 1,
                baseMediaDecodeTime: UInt64(max(0, partStart.ticks)),
                samples: samples, data: sampleData, into: &out)
        } catch {
            samples.removeAll(keepingCapacity: true)
            sampleData.clear()
            return nil
        }
        let result = (out, partStart, MediaTime(ticks: partTicks, timescale: format.timescale), partIndependent)
        samples.removeAll(keepingCapacity: true)
        sampleData.clear()
        partTicks = 0
        self.partStart = nil
        return result
    }

    /// The init segment for `format`, or nil when its configuration is too large for an init
    /// segment's boxes; the track then has no init and is not served.
    static func initSegment(for format: TrackFormat) -> ByteBuffer? {
        let entry: CMAFTrackDescription.SampleEntry
        switch format.codec {
        case .h264:
            entry = .avc1(avcC: format.configuration, width: UInt16(clamping: format.width), height: UInt16(clamping: format.height))
        case .h265:
            entry = .hvc1(hvcC: format.configuration, width: UInt16(clamping: format.width), height: UInt16(clamping: format.height))
        case .av1:
            entry = .av01(av1C: format.configuration, width: UInt16(clamping: format.width), height: UInt16(clamping: format.height))
        case .aac:
            entry = .mp4a(audioSpecificConfig: format.configuration, sampleRate: UInt32(clamping: format.sampleRate), channelCount: UInt16(clamping: format.channelCount))
        }
        return try? CMAFInitSegment.make(CMAFTrackDescription(trackID: 1, timescale: UInt32(clamping: format.timescale), sampleEntry: entry))
    }
}
