import NIOCore
import WeirCore

/// Reassembles the PES packets of one elementary stream into access units.
///
/// A bounded PES (`PES_packet_length` > 0) is complete when that many bytes arrived; an
/// unbounded one ends at the next `payload_unit_start_indicator`. Video units are held until
/// the next PES with a PTS (or an access unit delimiter) starts, so that PES packets without
/// either, the tail of a picture a muxer split, join the picture they belong to; for unbounded
/// PES, the norm for video, that costs no extra delay.
struct MPEGTSPESAssembler: Sendable {
    let stream: MPEGTSElementaryStream
    let codec: Codec
    private let mergesUntimed: Bool
    /// The PES in progress, from its start code, in storage of its own.
    private var pes: ByteBuffer?
    private var pesRandomAccess = false
    private var pesTimeBase = 0
    /// The PES in progress has no PTS and continues ``unit``.
    private var pesContinuesUnit = false
    /// A video unit waiting for the next timed PES.
    private var unit: MPEGTSAccessUnit?
    private var lossPending = false

    init(stream: MPEGTSElementaryStream, codec: Codec) {
        self.stream = stream
        self.codec = codec
        self.mergesUntimed = codec == .h264 || codec == .h265
    }

    /// Completes what a new unit start ends: an unbounded PES in progress, and a held video
    /// unit unless the new PES continues it. Call before ``push(_:unitStart:randomAccess:timeBase:limit:counters:)``
    /// for packets with `payload_unit_start_indicator`.
    ///
    /// - Parameters:
    ///   - payload: The payload of the packet starting the next PES.
    ///   - limit: The largest PES or access unit kept, in bytes.
    ///   - counters: The demuxer's counters.
    /// - Returns: The units completed.
    mutating func close(before payload: ByteBuffer, limit: Int, counters: inout MPEGTSDemuxer.Counters) -> [MPEGTSAccessUnit] {
        var output: [MPEGTSAccessUnit] = []
        if let current = pes {
            if MPEGTSPESPacket.declaredSize(current) != nil {
                // A bounded PES cut short by the next one: its end was lost.
                pes = nil
                counters.droppedPES += 1
                noteLoss(counters: &counters)
            } else {
                complete(into: &output, limit: limit, counters: &counters)
            }
        }
        if mergesUntimed, unit != nil, !MPEGTSPESPacket.startsNewUnit(payload, codec: codec) {
            pesContinuesUnit = true
        } else {
            pesContinuesUnit = false
            if let held = unit {
                output.append(held)
                unit = nil
            }
        }
        return output
    }

    /// Adds one packet's payload; for a unit start, after ``close(before:limit:counters:)``.
    ///
    /// - Parameters:
    ///   - payload: The packet payload.
    ///   - unitStart: The packet's `payload_unit_start_indicator`.
    ///   - randomAccess: The packet's `random_access_indicator`.
    ///   - timeBase: The time base discontinuities signalled so far.
    ///   - limit: The largest PES or access unit kept, in bytes.
    ///   - counters: The demuxer's counters.
    /// - Returns: The units completed by this packet.
    mutating func push(
        _ payload: ByteBuffer, unitStart: Bool, randomAccess: Bool, timeBase: Int, limit: Int,
        counters: inout MPEGTSDemuxer.Counters
    ) -> [MPEGTSAccessUnit] {
        var output: [MPEGTSAccessUnit] = []
        if unitStart {
            var buffer = ByteBuffer()
            buffer.reserveCapacity(min(MPEGTSPESPacket.declaredSize(payload) ?? 4096, limit))
            buffer.writeImmutableBuffer(payload)
            pes = buffer
            pesRandomAccess = randomAccess
            pesTimeBase = timeBase
        } else {
            guard pes != nil else { return output }
            pes?.writeImmutableBuffer(payload)
        }
        guard let current = pes else { return output }
        if current.readableBytes > limit {
            pes = nil
            counters.droppedPES += 1
            counters.oversizedPES += 1
            noteLoss(counters: &counters)
            return output
        }
        if let size = MPEGTSPESPacket.declaredSize(current), current.readableBytes >= size {
            pes = current.getSlice(at: current.readerIndex, length: size)
            complete(into: &output, limit: limit, counters: &counters)
        }
        return output
    }

    /// Drops the PES in progress after a continuity error; the stream resumes at the next unit start.
    mutating func dropPartial(counters: inout MPEGTSDemuxer.Counters) {
        guard pes != nil else {
            lossPending = true
            return
        }
        pes = nil
        counters.droppedPES += 1
        noteLoss(counters: &counters)
    }

    /// Completes what is pending at the end of the input.
    ///
    /// - Parameters:
    ///   - limit: The largest access unit kept, in bytes.
    ///   - counters: The demuxer's counters.
    mutating func flush(limit: Int, counters: inout MPEGTSDemuxer.Counters) -> [MPEGTSAccessUnit] {
        var output: [MPEGTSAccessUnit] = []
        if let current = pes {
            if MPEGTSPESPacket.declaredSize(current) != nil {
                pes = nil
                counters.droppedPES += 1
                noteLoss(counters: &counters)
            } else {
                complete(into: &output, limit: limit, counters: &counters)
            }
        }
        if let held = unit {
            output.append(held)
            unit = nil
        }
        return output
    }

    private mutating func noteLoss(counters: inout MPEGTSDemuxer.Counters) {
        lossPending = true
        if pesContinuesUnit, unit != nil {
            // The held picture lost its tail.
            unit = nil
            pesContinuesUnit = false
            counters.droppedPES += 1
        }
    }

    private mutating func complete(into output: inout [MPEGTSAccessUnit], limit: Int, counters: inout MPEGTSDemuxer.Counters) {
        guard let bytes = pes else { return }
        pes = nil
        let packet: MPEGTSPESPacket
        do {
            packet = try MPEGTSPESPacket(parsing: bytes)
        } catch {
            counters.droppedPES += 1
            counters.malformedPES += 1
            noteLoss(counters: &counters)
            return
        }
        if mergesUntimed, packet.pts == nil, var held = unit {
            if held.data.readableBytes + packet.payload.readableBytes > limit {
                unit = nil
                counters.droppedPES += 2
                counters.oversizedPES += 1
                lossPending = true
                return
            }
            var payload = packet.payload
            held.data.writeBuffer(&payload)
            unit = held
            return
        }
        let made = MPEGTSAccessUnit(
            pid: stream.pid, streamType: stream.streamType, codec: codec, pts: packet.pts, dts: packet.dts ?? packet.pts,
            data: packet.payload, randomAccess: pesRandomAccess, followsLoss: lossPending,
            timeBase: pesTimeBase)
        lossPending = false
        if mergesUntimed, packet.pts != nil {
            if let held = unit { output.append(held) }
            unit = made
        } else {
            output.append(made)
        }
    }
}
