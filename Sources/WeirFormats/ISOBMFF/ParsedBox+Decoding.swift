extension ParsedBox {
    /// The most samples accepted in a `trun` whose entries carry no fields, and so cost no bytes.
    public static let maxEmptyTrackRunSamples = 1 << 20

    /// Decodes a full box's version and flags.
    ///
    /// - Throws: `BoxReaderError.truncatedPayload` when the payload is shorter than four bytes.
    public func fullBoxHeader() throws(BoxReaderError) -> (version: UInt8, flags: UInt32) {
        var cursor = BoxPayloadCursor(self)
        return try cursor.readVersionAndFlags()
    }

    /// Decodes the sequence number of an `mfhd`.
    ///
    /// - Throws: `BoxReaderError` when the box is not an `mfhd` or is truncated.
    public func mfhdSequenceNumber() throws(BoxReaderError) -> UInt32 {
        var cursor = try cursor(expecting: "mfhd")
        _ = try cursor.readVersionAndFlags()
        return try cursor.read()
    }

    /// Decodes the base media decode time of a `tfdt`, either version.
    ///
    /// - Throws: `BoxReaderError` when the box is not a `tfdt`, is truncated, or has an unknown version.
    public func tfdtBaseMediaDecodeTime() throws(BoxReaderError) -> UInt64 {
        var cursor = try cursor(expecting: "tfdt")
        let (version, _) = try cursor.readVersionAndFlags()
        switch version {
        case 0: return UInt64(try cursor.read(UInt32.self))
        case 1: return try cursor.read(UInt64.self)
        default: throw .unsupportedVersion(type: type, version: version)
        }
    }

    /// Decodes the track ID of a `tkhd`, either version.
    ///
    /// - Throws: `BoxReaderError` when the box is not a `tkhd`, is truncated, or has an unknown version.
    public func tkhdTrackID() throws(BoxReaderError) -> UInt32 {
        var cursor = try cursor(expecting: "tkhd")
        let (version, _) = try cursor.readVersionAndFlags()
        switch version {
        case 0: try cursor.skip(8)  // creation and modification time
        case 1: try cursor.skip(16)
        default: throw .unsupportedVersion(type: type, version: version)
        }
        return try cursor.read()
    }

    /// Decodes the timescale of an `mdhd`, either version.
    ///
    /// - Throws: `BoxReaderError` when the box is not an `mdhd`, is truncated, or has an unknown version.
    public func mdhdTimescale() throws(BoxReaderError) -> UInt32 {
        var cursor = try cursor(expecting: "mdhd")
        let (version, _) = try cursor.readVersionAndFlags()
        switch version {
        case 0: try cursor.skip(8)
        case 1: try cursor.skip(16)
        default: throw .unsupportedVersion(type: type, version: version)
        }
        return try cursor.read()
    }

    /// Decodes a `tfhd`.
    ///
    /// - Throws: `BoxReaderError` when the box is not a `tfhd` or is shorter than its flags call for.
    public func tfhd() throws(BoxReaderError) -> TrackFragmentHeader {
        var cursor = try cursor(expecting: "tfhd")
        let (_, flags) = try cursor.readVersionAndFlags()
        var header = TrackFragmentHeader(flags: flags, trackID: try cursor.read())
        if flags & 0x00_0001 != 0 { header.baseDataOffset = try cursor.read() }
        if flags & 0x00_0002 != 0 { header.sampleDescriptionIndex = try cursor.read() }
        if flags & 0x00_0008 != 0 { header.defaultSampleDuration = try cursor.read() }
        if flags & 0x00_0010 != 0 { header.defaultSampleSize = try cursor.read() }
        if flags & 0x00_0020 != 0 { header.defaultSampleFlags = try cursor.read() }
        return header
    }

    /// Decodes a `trun` with all its sample entries.
    ///
    /// The sample count is checked against the bytes present before anything is allocated.
    ///
    /// - Throws: `BoxReaderError` when the box is not a `trun`, has an unknown version, or is
    ///   shorter than its sample count and flags call for.
    public func trun() throws(BoxReaderError) -> TrackRun {
        var cursor = try cursor(expecting: "trun")
        let (version, flags) = try cursor.readVersionAndFlags()
        guard version <= 1 else { throw .unsupportedVersion(type: type, version: version) }
        let sampleCount = Int(try cursor.read(UInt32.self))
        let dataOffset: Int32? = flags & 0x00_0001 != 0 ? try cursor.read() : nil
        let firstSampleFlags: UInt32? = flags & 0x00_0004 != 0 ? try cursor.read() : nil

        let hasDuration = flags & 0x00_0100 != 0
        let hasSize = flags & 0x00_0200 != 0
        let hasFlags = flags & 0x00_0400 != 0
        let hasOffset = flags & 0x00_0800 != 0
        let bytesPerSample = 4 * ((hasDuration ? 1 : 0) + (hasSize ? 1 : 0) + (hasFlags ? 1 : 0) + (hasOffset ? 1 : 0))
        if bytesPerSample == 0 {
            guard sampleCount <= Self.maxEmptyTrackRunSamples else { throw .valueOutOfRange(type: type) }
        } else {
            guard sampleCount <= cursor.remaining / bytesPerSample else { throw .truncatedPayload(type: type) }
        }

        var samples: [TrackRun.Sample] = []
        samples.reserveCapacity(sampleCount)
        for _ in 0..<sampleCount {
            var sample = TrackRun.Sample()
            if hasDuration { sample.duration = try cursor.read() }
            if hasSize { sample.size = try cursor.read() }
            if hasFlags { sample.flags = try cursor.read() }
            if hasOffset {
                let raw: UInt32 = try cursor.read()
                sample.compositionOffset = version == 0 ? Int64(raw) : Int64(Int32(bitPattern: raw))
            }
            samples.append(sample)
        }
        return TrackRun(
            version: version,
            flags: flags,
            dataOffset: dataOffset,
            firstSampleFlags: firstSampleFlags,
            samples: samples
        )
    }

    private func cursor(expecting expected: BoxType) throws(BoxReaderError) -> BoxPayloadCursor {
        guard type == expected else { throw .unexpectedBoxType(expected: expected, found: type) }
        return BoxPayloadCursor(self)
    }
}
