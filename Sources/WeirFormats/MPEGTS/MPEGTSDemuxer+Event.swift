extension MPEGTSDemuxer {
    /// What the demuxer found in the bytes fed to it.
    public enum Event: Hashable, Sendable {
        /// The selected program's streams, when it is first selected and whenever its program
        /// map changes (a new version, or a reselection after the PAT changed).
        case program([MPEGTSElementaryStream])
        /// One reassembled PES payload of a packaged stream (H.264, H.265, AAC in ADTS).
        case accessUnit(MPEGTSAccessUnit)
        /// The `discontinuity_indicator` on the PCR PID: the program's time base changed, so
        /// timestamps that follow need not continue those before.
        case discontinuity(pid: UInt16)
    }
}
