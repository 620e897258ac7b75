/// What a CMAF init segment says about its single track.
///
/// One description gives one init segment; fragments for the track then refer to it
/// by `trackID`.
public struct CMAFTrackDescription: Sendable, Hashable {
    /// The track ID written to `tkhd` and `trex`, and used by every fragment's `tfhd`. Must not be 0.
    public var trackID: UInt32
    /// Ticks per second of the track's media timeline (`mdhd`).
    public var timescale: UInt32
    /// The codec and its configuration record.
    public var sampleEntry: SampleEntry
    /// The ISO 639-2/T language code; anything other than three lowercase letters is written as `und`.
    public var language: String

    /// Creates a track description.
    ///
    /// - Parameters:
    ///   - trackID: The track ID; must not be 0.
    ///   - timescale: Ticks per second of the media timeline.
    ///   - sampleEntry: The codec and its configuration.
    ///   - language: The ISO 639-2/T language code, `und` when unknown.
    public init(trackID: UInt32 = 1, timescale: UInt32, sampleEntry: SampleEntry, language: String = "und") {
        self.trackID = trackID
        self.timescale = timescale
        self.sampleEntry = sampleEntry
        self.language = language
    }

    /// The language packed as `mdhd` stores it: three 5-bit letters offset by 0x60.
    var packedLanguage: UInt16 {
        let letters = Array(language.utf8)
        guard letters.count == 3, letters.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else {
            return 0x55C4  // "und"
        }
        return UInt16(letters[0] - 0x60) << 10 | UInt16(letters[1] - 0x60) << 5 | UInt16(letters[2] - 0x60)
    }
}
