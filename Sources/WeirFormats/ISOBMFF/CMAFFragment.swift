public import NIOCore

/// Writes CMAF fragments: one `moof` with a single `traf`, then the `mdat` holding the samples.
///
/// One fragment is one LL-HLS part; a segment is its fragments concatenated. The `moof`
/// size is computed before writing, so the `trun` data offset is known up front and the
/// whole fragment is written in one pass into a buffer reserved to its exact size.
public enum CMAFFragment {
    /// `tfhd` flags: the `moof` start is the base for data offsets.
    static let defaultBaseIsMoof: UInt32 = 0x02_0000

    /// `trun` flags for the fields written per fragment and per sample.
    static let dataOffsetPresent: UInt32 = 0x00_0001
    static let sampleDurationPresent: UInt32 = 0x00_0100
    static let sampleSizePresent: UInt32 = 0x00_0200
    static let sampleFlagsPresent: UInt32 = 0x00_0400
    static let sampleCompositionTimeOffsetPresent: UInt32 = 0x00_0800

    /// Appends one fragment (`moof` + `mdat`) to `buffer`.
    ///
    /// The composition time offset field is left out of `trun` when every offset is zero.
    ///
    /// - Parameters:
    ///   - sequenceNumber: The `mfhd` sequence number; increases by one per fragment of the track.
    ///   - trackID: The track ID from the init segment.
    ///   - baseMediaDecodeTime: Decode time of the first sample, in track timescale ticks.
    ///   - samples: The samples in decode order; their sizes must add up to `data.readableBytes`.
    ///   - data: The samples' bytes, concatenated in the same order.
    ///   - buffer: The buffer to append to.
    /// - Throws: `CMAFFragmentError` when there are no samples, or the sizes and data disagree.
    public static func write(
        sequenceNumber: UInt32,
        trackID: UInt32,
        baseMediaDecodeTime: UInt64,
        samples: [FragmentSample],
        data: ByteBuffer,
        into buffer: inout ByteBuffer
    ) throws(CMAFFragmentError) {
        guard !samples.isEmpty else { throw .noSamples }
        var declared: UInt64 = 0
        var hasCompositionOffsets = false
        for sample in samples {
            declared += UInt64(sample.size)
            hasCompositionOffsets = hasCompositionOffsets || sample.compositionOffset != 0
        }
        guard declared == UInt64(data.readableBytes) else {
            throw .sampleSizeMismatch(declared: declared, available: data.readableBytes)
        }

        let bytesPerSample = hasCompositionOffsets ? 16 : 12
        // A count this large would overflow the 32-bit data offset long before memory runs out.
        guard samples.count <= (Int(Int32.max) - 256) / bytesPerSample else {
            throw .tooManySamples(count: samples.count)
        }
        let trunSize = 8 + 4 + 4 + 4 + samples.count * bytesPerSample
        let trafSize = 8 + 16 + 20 + trunSize
        let moofSize = 8 + 16 + trafSize
        let useLargeSize = data.readableBytes > Int(UInt32.max) - 8
        let mdatHeaderSize = useLargeSize ? 16 : 8
        let dataOffset = Int32(moofSize + mdatHeaderSize)

        var trunFlags = dataOffsetPresent | sampleDurationPresent | sampleSizePresent | sampleFlagsPresent
        if hasCompositionOffsets {
            trunFlags |= sampleCompositionTimeOffsetPresent
        }

        buffer.reserveCapacity(minimumWritableBytes: moofSize + mdatHeaderSize + data.readableBytes)
        do {
            try BoxWriter.write(into: &buffer) { w in
                let moofStart = w.buffer.writerIndex
                w.box("moof") { w in
                    w.fullBox("mfhd", version: 0, flags: 0) { $0.write(sequenceNumber) }
                    w.box("traf") { w in
                        w.fullBox("tfhd", version: 0, flags: defaultBaseIsMoof) { $0.write(trackID) }
                        w.fullBox("tfdt", version: 1, flags: 0) { $0.write(baseMediaDecodeTime) }
                        // Version 1 makes composition offsets signed.
                        w.fullBox("trun", version: 1, flags: trunFlags) { w in
                            w.buffer.writeMultipleIntegers(UInt32(truncatingIfNeeded: samples.count), dataOffset)
                            if hasCompositionOffsets {
                                for sample in samples {
                                    w.buffer.writeMultipleIntegers(
                                        sample.duration, sample.size, sample.sampleFlags, sample.compositionOffset
                                    )
                                }
                            } else {
                                for sample in samples {
                                    w.buffer.writeMultipleIntegers(sample.duration, sample.size, sample.sampleFlags)
                                }
                            }
                        }
                    }
                }
                assert(w.buffer.writerIndex - moofStart == moofSize, "moof size differs from the precomputed size")
                if useLargeSize {
                    w.buffer.writeMultipleIntegers(
                        UInt32(1), BoxType("mdat").rawValue, UInt64(16 + data.readableBytes)
                    )
                } else {
                    w.buffer.writeMultipleIntegers(UInt32(8 + data.readableBytes), BoxType("mdat").rawValue)
                }
                w.write(buffer: data)
            }
        } catch {
            // The sizes were checked above, so only an impossible layout gets here.
            throw .boxTooLarge(error)
        }
    }

    /// Returns one fragment (`moof` + `mdat`) in a new buffer.
    ///
    /// - Parameters:
    ///   - sequenceNumber: The `mfhd` sequence number.
    ///   - trackID: The track ID from the init segment.
    ///   - baseMediaDecodeTime: Decode time of the first sample, in track timescale ticks.
    ///   - samples: The samples in decode order.
    ///   - data: The samples' bytes, concatenated in the same order.
    /// - Returns: The fragment.
    /// - Throws: `CMAFFragmentError` when there are no samples, or the sizes and data disagree.
    public static func make(
        sequenceNumber: UInt32,
        trackID: UInt32,
        baseMediaDecodeTime: UInt64,
        samples: [FragmentSample],
        data: ByteBuffer
    ) throws(CMAFFragmentError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try write(
            sequenceNumber: sequenceNumber,
            trackID: trackID,
            baseMediaDecodeTime: baseMediaDecodeTime,
            samples: samples,
            data: data,
            into: &buffer
        )
        return buffer
    }
}
