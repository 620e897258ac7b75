import NIOCore
import Testing
import WeirFormats

@Suite struct CMAFFragmentTests {
    /// I P B B P B: decode order with B-frame style offsets, shifted so the first shown frame is at zero.
    static let videoSamples: [FragmentSample] = [
        FragmentSample(duration: 3000, size: 1200, isSync: true, compositionOffset: 0),
        FragmentSample(duration: 3000, size: 300, isSync: false, compositionOffset: 6000),
        FragmentSample(duration: 3000, size: 80, isSync: false, compositionOffset: -3000),
        FragmentSample(duration: 3000, size: 90, isSync: false, compositionOffset: -3000),
        FragmentSample(duration: 3000, size: 310, isSync: false, compositionOffset: 3000),
        FragmentSample(duration: 3001, size: 70, isSync: false, compositionOffset: -3000),
    ]

    static func data(for samples: [FragmentSample], seed: UInt8 = 0) -> ByteBuffer {
        var buffer = ByteBuffer()
        for (index, sample) in samples.enumerated() {
            let fill = UInt8(truncatingIfNeeded: index) &+ seed
            buffer.writeRepeatingByte(fill, count: Int(sample.size))
        }
        return buffer
    }

    /// Checks one moof+mdat pair against what was written and returns the decoded run.
    @discardableResult
    static func verify(
        moof: ParsedBox,
        mdat: ParsedBox,
        in buffer: ByteBuffer,
        sequenceNumber: UInt32,
        trackID: UInt32,
        baseMediaDecodeTime: UInt64,
        samples: [FragmentSample],
        data: ByteBuffer
    ) throws -> TrackRun {
        #expect(moof.type == "moof")
        #expect(mdat.type == "mdat")
        #expect(mdat.offset == moof.offset + moof.size)
        #expect(moof.children.map(\.type) == ["mfhd", "traf"])
        #expect(try #require(moof.child("mfhd")).mfhdSequenceNumber() == sequenceNumber)

        let traf = try #require(moof.child("traf"))
        #expect(traf.children.map(\.type) == ["tfhd", "tfdt", "trun"])
        let tfhd = try #require(traf.child("tfhd")).tfhd()
        #expect(tfhd.flags == 0x02_0000)
        #expect(tfhd.defaultBaseIsMoof)
        #expect(tfhd.trackID == trackID)
        #expect(tfhd.baseDataOffset == nil)
        #expect(tfhd.defaultSampleFlags == nil)

        let tfdt = try #require(traf.child("tfdt"))
        #expect(try tfdt.fullBoxHeader() == (1, 0))
        #expect(try tfdt.tfdtBaseMediaDecodeTime() == baseMediaDecodeTime)

        let trun = try #require(traf.child("trun")).trun()
        #expect(trun.version == 1)
        let hasOffsets = samples.contains { $0.compositionOffset != 0 }
        #expect(trun.flags == (hasOffsets ? 0xF01 : 0x701))
        #expect(trun.firstSampleFlags == nil)
        #expect(trun.sampleCount == samples.count)
        for (decoded, sample) in zip(trun.samples, samples) {
            #expect(decoded.duration == sample.duration)
            #expect(decoded.size == sample.size)
            #expect(decoded.flags == (sample.isSync ? 0x0200_0000 : 0x0101_0000))
            #expect(decoded.compositionOffset == (hasOffsets ? Int64(sample.compositionOffset) : nil))
        }

        // The data offset counts from the first byte of the moof to the first byte of mdat's payload.
        let dataOffset = Int(try #require(trun.dataOffset))
        #expect(moof.offset + dataOffset == mdat.payloadOffset)
        #expect(mdat.payload == data)
        let start = buffer.readerIndex + moof.offset + dataOffset
        #expect(buffer.getSlice(at: start, length: data.readableBytes) == data)
        return trun
    }

    @Test func videoFragmentCarriesSignedCompositionOffsets() throws {
        let samples = Self.videoSamples
        let data = Self.data(for: samples)
        let base: UInt64 = 0x1_0000_0005  // needs the 64-bit tfdt
        let buffer = try CMAFFragment.make(
            sequenceNumber: 42,
            trackID: 1,
            baseMediaDecodeTime: base,
            samples: samples,
            data: data
        )
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.map(\.type) == ["moof", "mdat"])
        #expect(buffer.readableBytes == 8 + 16 + 8 + 16 + 20 + 20 + 16 * samples.count + 8 + data.readableBytes)
        let trun = try Self.verify(
            moof: boxes[0],
            mdat: boxes[1],
            in: buffer,
            sequenceNumber: 42,
            trackID: 1,
            baseMediaDecodeTime: base,
            samples: samples,
            data: data
        )
        #expect(trun.samples.compactMap(\.compositionOffset).contains { $0 < 0 })
    }

    @Test func audioFragmentLeavesOutZeroCompositionOffsets() throws {
        let samples = (0..<8).map { FragmentSample(duration: 1024, size: UInt32(200 + $0), isSync: true) }
        let data = Self.data(for: samples)
        let buffer = try CMAFFragment.make(
            sequenceNumber: 1,
            trackID: 2,
            baseMediaDecodeTime: 48_000,
            samples: samples,
            data: data
        )
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.map(\.type) == ["moof", "mdat"])
        #expect(buffer.readableBytes == 8 + 16 + 8 + 16 + 20 + 20 + 12 * samples.count + 8 + data.readableBytes)
        try Self.verify(
            moof: boxes[0],
            mdat: boxes[1],
            in: buffer,
            sequenceNumber: 1,
            trackID: 2,
            baseMediaDecodeTime: 48_000,
            samples: samples,
            data: data
        )
    }

    @Test func segmentOfThreeFragmentsParsesAsThreePairs() throws {
        var segment = ByteBuffer()
        var written: [(samples: [FragmentSample], data: ByteBuffer, base: UInt64)] = []
        var decodeTime: UInt64 = 90_000
        for part in 0..<3 {
            let samples = Array(Self.videoSamples.dropFirst(part))
            let data = Self.data(for: samples, seed: UInt8(part * 16))
            try CMAFFragment.write(
                sequenceNumber: UInt32(10 + part),
                trackID: 1,
                baseMediaDecodeTime: decodeTime,
                samples: samples,
                data: data,
                into: &segment
            )
            written.append((samples, data, decodeTime))
            decodeTime += samples.reduce(0) { $0 + UInt64($1.duration) }
        }
        let boxes = try BoxReader().parse(segment)
        #expect(boxes.map(\.type) == ["moof", "mdat", "moof", "mdat", "moof", "mdat"])
        for part in 0..<3 {
            try Self.verify(
                moof: boxes[2 * part],
                mdat: boxes[2 * part + 1],
                in: segment,
                sequenceNumber: UInt32(10 + part),
                trackID: 1,
                baseMediaDecodeTime: written[part].base,
                samples: written[part].samples,
                data: written[part].data
            )
        }
    }

    @Test func appendingKeepsEarlierBytesAndOffsetsRelativeToTheMoof() throws {
        let prefix: [UInt8] = [0xAA, 0xBB, 0xCC]
        var buffer = ByteBuffer(bytes: prefix)
        let samples = Array(Self.videoSamples.prefix(2))
        let data = Self.data(for: samples)
        try CMAFFragment.write(
            sequenceNumber: 5,
            trackID: 7,
            baseMediaDecodeTime: 0,
            samples: samples,
            data: data,
            into: &buffer
        )
        #expect(Array(buffer.readableBytesView.prefix(3)) == prefix)
        buffer.moveReaderIndex(forwardBy: prefix.count)
        let boxes = try BoxReader().parse(buffer)
        try Self.verify(
            moof: boxes[0],
            mdat: boxes[1],
            in: buffer,
            sequenceNumber: 5,
            trackID: 7,
            baseMediaDecodeTime: 0,
            samples: samples,
            data: data
        )
    }

    @Test func appendingWritesInPlaceWhenCapacityIsReserved() throws {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 * 1024)
        buffer.writeInteger(UInt8(0))
        let before = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let samples = Self.videoSamples
        for sequence in 1...3 {
            try CMAFFragment.write(
                sequenceNumber: UInt32(sequence),
                trackID: 1,
                baseMediaDecodeTime: 0,
                samples: samples,
                data: Self.data(for: samples),
                into: &buffer
            )
        }
        let after = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        // The same storage means the buffer was neither copied nor reallocated.
        #expect(before == after)
        #expect(buffer.readableBytes > 3 * 2000)
    }

    @Test func dataIsReadFromItsReaderIndex() throws {
        var data = ByteBuffer(bytes: [9, 9, 1, 2, 3])
        data.moveReaderIndex(forwardBy: 2)
        let buffer = try CMAFFragment.make(
            sequenceNumber: 1,
            trackID: 1,
            baseMediaDecodeTime: 0,
            samples: [FragmentSample(duration: 1, size: 3, isSync: true)],
            data: data
        )
        let mdat = try #require(try BoxReader().parse(buffer).first("mdat"))
        #expect(Array(mdat.payload.readableBytesView) == [1, 2, 3])
    }

    @Test func rejectsInconsistentInputWithoutWriting() {
        var buffer = ByteBuffer(bytes: [1])
        #expect(throws: CMAFFragmentError.noSamples) {
            try CMAFFragment.write(
                sequenceNumber: 1,
                trackID: 1,
                baseMediaDecodeTime: 0,
                samples: [],
                data: ByteBuffer(),
                into: &buffer
            )
        }
        #expect(throws: CMAFFragmentError.sampleSizeMismatch(declared: 10, available: 9)) {
            try CMAFFragment.write(
                sequenceNumber: 1,
                trackID: 1,
                baseMediaDecodeTime: 0,
                samples: [FragmentSample(duration: 1, size: 10, isSync: true)],
                data: ByteBuffer(repeating: 0, count: 9),
                into: &buffer
            )
        }
        #expect(buffer.readableBytes == 1)
    }
}
