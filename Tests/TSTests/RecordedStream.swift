import WeirCore

/// What a bus subscriber saw, sorted by track.
struct RecordedStream {
    var formats: [TrackID: TrackFormat] = [:]
    var video: [MediaPacket] = []
    var audio: [MediaPacket] = []
    /// Packets delivered before their track's format.
    var packetsBeforeFormat = 0
    var discontinuityBoundaries = 0

    init(_ events: [StreamEvent]) {
        for event in events {
            switch event {
            case .format(let track, let format):
                formats[track] = format
            case .packet(let packet):
                if formats[packet.track] == nil { packetsBeforeFormat += 1 }
                if packet.track == TestRouter.videoTrack { video.append(packet) } else { audio.append(packet) }
            case .boundary(let boundary):
                if boundary.discontinuity { discontinuityBoundaries += 1 }
            default:
                break
            }
        }
    }

    var videoFormat: TrackFormat? { formats[TestRouter.videoTrack] }
    var audioFormat: TrackFormat? { formats[TestRouter.audioTrack] }

    var videoDTSIsMonotonic: Bool {
        zip(video, video.dropFirst()).allSatisfy { $0.dts.ticks < $1.dts.ticks }
    }

    var audioDTSIsMonotonic: Bool {
        zip(audio, audio.dropFirst()).allSatisfy { $0.dts.ticks < $1.dts.ticks }
    }
}
