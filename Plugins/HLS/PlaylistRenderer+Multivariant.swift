public import WeirCore

extension PlaylistRenderer {
    /// The audio rendition group every video variant refers to.
    static let audioGroup = "audio"

    /// The multivariant playlist (`index.m3u8`), or nil while no track has a part.
    ///
    /// Every video track with media is a variant; audio tracks form the `audio` rendition group
    /// (the first is the default). A stream without video has one variant: its first audio track.
    /// Tracks without media yet are left out.
    /// - Parameters:
    ///   - snapshot: the stream's window.
    public static func multivariant(_ snapshot: WindowSnapshot) -> String? {
        let ready = snapshot.tracks.filter(isReady)
        let videos = ready.filter { $0.kind == .video }
        let audios = ready.filter { $0.kind == .audio }
        guard !ready.isEmpty else { return nil }

        var out = ""
        out.reserveCapacity(256 + 256 * ready.count)
        out += "#EXTM3U\n#EXT-X-VERSION:"
        out += String(version)
        out += "\n"
        if ready.allSatisfy(startsWithKeyframes) { out += "#EXT-X-INDEPENDENT-SEGMENTS\n" }

        guard !videos.isEmpty else {
            let audio = audios[0]
            let rate = bitrates(audio)
            appendStreamInf(peak: rate.peak, average: rate.average, codecs: codecs([audio]), video: nil, audioGroup: false, to: &out)
            out += audio.name
            out += ".m3u8\n"
            return out
        }
        for (index, audio) in audios.enumerated() {
            out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\""
            out += audioGroup
            out += "\",NAME=\""
            out += audio.name
            out += index == 0 ? "\",DEFAULT=YES,AUTOSELECT=YES" : "\",DEFAULT=NO,AUTOSELECT=YES"
            if let channels = audio.format?.channelCount, channels > 0 {
                out += ",CHANNELS=\""
                out += String(channels)
                out += "\""
            }
            out += ",URI=\""
            out += audio.name
            out += ".m3u8\"\n"
        }
        // The variant's bandwidth covers its video plus the most demanding audio it may play with.
        let audioRates = audios.map(bitrates)
        let audioPeak = audioRates.map(\.peak).max() ?? 0
        let audioAverage = audioRates.map(\.average).max() ?? 0
        for video in videos {
            let rate = bitrates(video)
            appendStreamInf(
                peak: rate.peak &+ audioPeak, average: rate.average &+ audioAverage, codecs: codecs([video] + audios),
                video: video.format, audioGroup: !audios.isEmpty, to: &out)
            out += video.name
            out += ".m3u8\n"
        }
        return out
    }

    /// Peak and average bits per second of a track's complete segments; before the first one
    /// completes, both are estimated from the parts so far.
    static func bitrates(_ track: TrackWindow) -> (peak: Int64, average: Int64) {
        if track.peakBitrate > 0 {
            return (track.peakBitrate, track.averageBitrate > 0 ? min(track.averageBitrate, track.peakBitrate) : track.peakBitrate)
        }
        var bytes: Int64 = 0
        var micros: Int64 = 0
        for segment in track.segments + (track.current.map { [$0] } ?? []) {
            for part in segment.parts {
                bytes += Int64(part.data.readableBytes)
                micros += part.duration.microseconds
            }
        }
        let estimate = ManifestNumber.bitrate(bytes: bytes, micros: micros)
        return (estimate, estimate)
    }

    private static func startsWithKeyframes(_ track: TrackWindow) -> Bool {
        track.segments.allSatisfy(\.isIndependent) && (track.current.map(\.isIndependent) ?? true)
    }

    private static func codecs(_ tracks: [TrackWindow]) -> String {
        var seen: [String] = []
        for track in tracks {
            if let codec = track.format?.codecString, !codec.isEmpty, !seen.contains(codec) { seen.append(codec) }
        }
        return seen.joined(separator: ",")
    }

    private static func appendStreamInf(
        peak: Int64, average: Int64, codecs: String, video: TrackFormat?, audioGroup hasAudio: Bool, to out: inout String
    ) {
        out += "#EXT-X-STREAM-INF:BANDWIDTH="
        out += String(max(1, peak))
        out += ",AVERAGE-BANDWIDTH="
        out += String(min(max(1, average), max(1, peak)))
        if !codecs.isEmpty {
            out += ",CODECS=\""
            out += codecs
            out += "\""
        }
        if let video, video.width > 0, video.height > 0 {
            out += ",RESOLUTION="
            out += String(video.width)
            out += "x"
            out += String(video.height)
        }
        if let rate = video?.frameRate, rate.frames > 0, rate.frames < Int64.max / 1_000 {
            out += ",FRAME-RATE="
            let scaled = rate.frames * 1_000
            let remainder = scaled % rate.seconds
            let millis = scaled / rate.seconds + (remainder >= rate.seconds - remainder ? 1 : 0)
            ManifestNumber.appendSeconds(millis: millis, to: &out)
        }
        if hasAudio {
            out += ",AUDIO=\""
            out += audioGroup
            out += "\""
        }
        out += "\n"
    }
}
