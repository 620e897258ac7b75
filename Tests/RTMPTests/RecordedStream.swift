import Foundation
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

    var videoDTSIsMonotonic: Bool {
        zip(video, video.dropFirst()).allSatisfy { $0.dts.ticks < $1.dts.ticks }
    }

    var audioStepsAreOneFrame: Bool {
        zip(audio, audio.dropFirst()).allSatisfy { $1.dts.ticks - $0.dts.ticks == Int64($0.duration) && $0.duration == 1024 }
    }
}

/// Runs a program with its output discarded; returns its exit status, or nil when it had to be
/// killed at `timeout`.
func runProcess(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) async throws -> Int32? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning, ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(50))
    }
    guard !process.isRunning else {
        process.terminate()
        return nil
    }
    return process.terminationStatus
}
