import NIOCore
import Testing
import WeirFormats

@Suite struct BoxReaderTests {
    private func bytes(_ build: (inout BoxWriter) -> Void) -> ByteBuffer {
        var writer = BoxWriter()
        build(&writer)
        return writer.buffer
    }

    @Test func parsesContainersAndLeavesOtherPayloadsAlone() throws {
        let buffer = bytes { w in
            w.box("moov") { w in
                w.box("trak") { w in
                    w.fullBox("tkhd", version: 0, flags: 3) { w in w.writeZeros(80) }
                }
                // Looks like a box inside, but `udta` is not a known container.
                w.box("udta") { w in w.box("free") { _ in } }
            }
            w.box("mdat") { w in w.write(bytes: [1, 2, 3]) }
        }
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.map(\.type) == ["moov", "mdat"])
        let moov = try #require(boxes.first("moov"))
        #expect(moov.offset == 0)
        #expect(moov.size == 8 + 8 + 92 + 16)
        #expect(moov.children.map(\.type) == ["trak", "udta"])
        let tkhd = try #require(moov.find("trak", "tkhd"))
        #expect(tkhd.offset == 16)
        #expect(tkhd.size == 92)
        #expect(tkhd.payloadOffset == 24)
        #expect(try tkhd.fullBoxHeader() == (0, 3))
        #expect(try #require(moov.child("udta")).children.isEmpty)
        let mdat = try #require(boxes.first("mdat"))
        #expect(mdat.offset == moov.size)
        #expect(Array(mdat.payload.readableBytesView) == [1, 2, 3])
        #expect(boxes.find("moov", "trak", "nope") == nil)
    }

    @Test func offsetsCountFromTheReaderIndex() throws {
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF])
        buffer.writeImmutableBuffer(bytes { w in w.box("free") { _ in } })
        buffer.moveReaderIndex(forwardBy: 3)
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.count == 1)
        #expect(boxes.first?.offset == 0)
    }

    @Test func readsLargeSize() throws {
        var buffer = ByteBuffer()
        // moov with a 32-bit size holding a free box with a 64-bit size.
        buffer.writeMultipleIntegers(UInt32(8 + 24), BoxType("moov").rawValue)
        buffer.writeMultipleIntegers(UInt32(1), BoxType("free").rawValue, UInt64(24), UInt64(0x0102_0304_0506_0708))
        let boxes = try BoxReader().parse(buffer)
        let free = try #require(boxes.find("moov", "free"))
        #expect(free.size == 24)
        #expect(free.headerSize == 16)
        #expect(free.offset == 8)
        #expect(free.payload.getInteger(at: 0, as: UInt64.self) == 0x0102_0304_0506_0708)
    }

    @Test func sizeZeroRunsToTheEnd() throws {
        var buffer = bytes { w in w.box("ftyp") { w in w.write(UInt32(1)) } }
        buffer.writeMultipleIntegers(UInt32(0), BoxType("mdat").rawValue, UInt32(7), UInt32(9))
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.map(\.type) == ["ftyp", "mdat"])
        #expect(boxes.last?.size == 16)
        #expect(boxes.last?.payload.readableBytes == 8)
    }

    @Test func uuidBoxHasExtendedHeader() throws {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(8 + 16 + 2), BoxType("uuid").rawValue)
        buffer.writeBytes(Array(repeating: 0xAB, count: 16))
        buffer.writeBytes([1, 2])
        let box = try #require(try BoxReader().parse(buffer).first)
        #expect(box.headerSize == 24)
        #expect(Array(box.payload.readableBytesView) == [1, 2])
    }

    @Test func truncatedHeaderThrows() {
        #expect(throws: BoxReaderError.truncatedHeader(offset: 0)) {
            try BoxReader().parse(ByteBuffer(bytes: [0, 0, 0, 8, 0x66]))
        }
        var buffer = bytes { w in w.box("free") { _ in } }
        buffer.writeBytes([0, 0, 0])
        #expect(throws: BoxReaderError.truncatedHeader(offset: 8)) {
            try BoxReader().parse(buffer)
        }
        var large = ByteBuffer()
        large.writeMultipleIntegers(UInt32(1), BoxType("free").rawValue, UInt32(0))
        #expect(throws: BoxReaderError.truncatedHeader(offset: 0)) {
            try BoxReader().parse(large)
        }
    }

    @Test func sizeSmallerThanHeaderThrows() {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(4), BoxType("free").rawValue)
        #expect(throws: BoxReaderError.invalidSize(offset: 0, size: 4)) {
            try BoxReader().parse(buffer)
        }
        var large = ByteBuffer()
        large.writeMultipleIntegers(UInt32(1), BoxType("free").rawValue, UInt64(15))
        #expect(throws: BoxReaderError.invalidSize(offset: 0, size: 15)) {
            try BoxReader().parse(large)
        }
        var uuid = ByteBuffer()
        uuid.writeMultipleIntegers(UInt32(20), BoxType("uuid").rawValue, UInt64(0), UInt32(0))
        #expect(throws: BoxReaderError.invalidSize(offset: 0, size: 20)) {
            try BoxReader().parse(uuid)
        }
    }

    @Test func sizePastTheEndThrows() {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(100), BoxType("mdat").rawValue, UInt32(0))
        #expect(throws: BoxReaderError.sizeExceedsParent(offset: 0, size: 100, available: 12)) {
            try BoxReader().parse(buffer)
        }
        var huge = ByteBuffer()
        huge.writeMultipleIntegers(UInt32(1), BoxType("mdat").rawValue, UInt64.max)
        #expect(throws: BoxReaderError.sizeExceedsParent(offset: 0, size: UInt64.max, available: 16)) {
            try BoxReader().parse(huge)
        }
    }

    @Test func childLargerThanItsContainerThrows() {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt32(16), BoxType("moov").rawValue)
        buffer.writeMultipleIntegers(UInt32(12), BoxType("trak").rawValue)
        buffer.writeMultipleIntegers(UInt32(0), UInt32(0))  // bytes after moov, still in the input
        #expect(throws: BoxReaderError.sizeExceedsParent(offset: 8, size: 12, available: 8)) {
            try BoxReader().parse(buffer)
        }
    }

    @Test func deepNestingIsRefused() throws {
        func nested(_ depth: Int) -> ByteBuffer {
            var writer = BoxWriter()
            func add(_ level: Int, _ w: inout BoxWriter) {
                guard level < depth else { return }
                w.box("moov") { w in add(level + 1, &w) }
            }
            add(0, &writer)
            return writer.buffer
        }
        #expect(throws: BoxReaderError.nestingTooDeep(offset: 16 * 8, limit: 16)) {
            try BoxReader().parse(nested(40))
        }
        // Exactly at the limit: boxes at depths 0...16.
        #expect(try BoxReader().parse(nested(17)).count == 1)
        #expect(try BoxReader(maxDepth: 64).parse(nested(40)).count == 1)
    }

    @Test func boxCountIsBounded() throws {
        let buffer = bytes { w in
            for _ in 0..<10 {
                w.box("free") { _ in }
            }
        }
        #expect(throws: BoxReaderError.tooManyBoxes(limit: 5)) {
            try BoxReader(maxBoxCount: 5).parse(buffer)
        }
        #expect(try BoxReader(maxBoxCount: 10).parse(buffer).count == 10)
    }

    @Test func childrenAfterFixedFieldsAreParsed() throws {
        let buffer = bytes { w in
            w.fullBox("stsd", version: 0, flags: 0) { w in
                w.write(UInt32(1))
                w.box("avc1") { w in w.writeZeros(78) }
            }
        }
        let stsd = try #require(try BoxReader().parse(buffer).first)
        let entries = try BoxReader().parseChildren(of: stsd, skipping: 8)
        #expect(entries.map(\.type) == ["avc1"])
        #expect(entries.first?.offset == 16)
        #expect(throws: BoxReaderError.truncatedPayload(type: "stsd")) {
            try BoxReader().parseChildren(of: stsd, skipping: 1000)
        }
        #expect(throws: BoxReaderError.truncatedPayload(type: "stsd")) {
            try BoxReader().parseChildren(of: stsd, skipping: -1)
        }
    }

    @Test func decodersCheckTheBoxType() throws {
        let buffer = bytes { w in w.fullBox("mfhd", version: 0, flags: 0) { w in w.write(UInt32(7)) } }
        let box = try #require(try BoxReader().parse(buffer).first)
        #expect(try box.mfhdSequenceNumber() == 7)
        #expect(throws: BoxReaderError.unexpectedBoxType(expected: "trun", found: "mfhd")) {
            try box.trun()
        }
    }

    @Test func decodesVersionZeroAndOneHeaders() throws {
        let buffer = bytes { w in
            w.fullBox("tfdt", version: 0, flags: 0) { w in w.write(UInt32(90_000)) }
            w.fullBox("mdhd", version: 1, flags: 0) { w in
                w.write(UInt64(1))
                w.write(UInt64(2))
                w.write(UInt32(48_000))
                w.write(UInt64(0))
                w.write(UInt32(0))
            }
            w.fullBox("tkhd", version: 1, flags: 3) { w in
                w.write(UInt64(1))
                w.write(UInt64(2))
                w.write(UInt32(9))
                w.writeZeros(76)
            }
            w.fullBox("tfdt", version: 2, flags: 0) { w in w.write(UInt64(0)) }
        }
        let boxes = try BoxReader().parse(buffer)
        #expect(try boxes[0].tfdtBaseMediaDecodeTime() == 90_000)
        #expect(try boxes[1].mdhdTimescale() == 48_000)
        #expect(try boxes[2].tkhdTrackID() == 9)
        #expect(throws: BoxReaderError.unsupportedVersion(type: "tfdt", version: 2)) {
            try boxes[3].tfdtBaseMediaDecodeTime()
        }
    }

    @Test func decodesTrackFragmentHeaderOptionalFields() throws {
        let buffer = bytes { w in
            w.fullBox("tfhd", version: 0, flags: 0x3B) { w in
                w.write(UInt32(2))  // track
                w.write(UInt64(1000))  // base data offset
                w.write(UInt32(1))  // sample description index
                w.write(UInt32(3000))  // duration
                w.write(UInt32(40))  // size
                w.write(UInt32(0x0101_0000))  // flags
            }
        }
        let tfhd = try #require(try BoxReader().parse(buffer).first).tfhd()
        #expect(tfhd.trackID == 2)
        #expect(tfhd.baseDataOffset == 1000)
        #expect(tfhd.sampleDescriptionIndex == 1)
        #expect(tfhd.defaultSampleDuration == 3000)
        #expect(tfhd.defaultSampleSize == 40)
        #expect(tfhd.defaultSampleFlags == 0x0101_0000)
        #expect(!tfhd.defaultBaseIsMoof)
        #expect(!tfhd.durationIsEmpty)
    }

    @Test func trunVersionZeroOffsetsAreUnsigned() throws {
        let buffer = bytes { w in
            w.fullBox("trun", version: 0, flags: 0x805) { w in
                w.write(UInt32(1))
                w.write(Int32(-8))
                w.write(UInt32(0x0200_0000))
                w.write(UInt32(0xFFFF_FFFF))
            }
        }
        let trun = try #require(try BoxReader().parse(buffer).first).trun()
        #expect(trun.version == 0)
        #expect(trun.dataOffset == -8)
        #expect(trun.firstSampleFlags == 0x0200_0000)
        #expect(trun.samples == [TrackRun.Sample(compositionOffset: 0xFFFF_FFFF)])
    }

    @Test func trunSampleCountIsCheckedBeforeAllocating() throws {
        let truncated = bytes { w in
            w.fullBox("trun", version: 1, flags: 0x301) { w in
                w.write(UInt32.max)
                w.write(Int32(0))
                w.writeZeros(8)
            }
        }
        #expect(throws: BoxReaderError.truncatedPayload(type: "trun")) {
            try #require(try BoxReader().parse(truncated).first).trun()
        }
        let fieldless = bytes { w in
            w.fullBox("trun", version: 1, flags: 0) { w in w.write(UInt32.max) }
        }
        #expect(throws: BoxReaderError.valueOutOfRange(type: "trun")) {
            try #require(try BoxReader().parse(fieldless).first).trun()
        }
        let shortHeader = bytes { w in w.fullBox("trun", version: 1, flags: 0x1) { w in w.write(UInt32(0)) } }
        #expect(throws: BoxReaderError.truncatedPayload(type: "trun")) {
            try #require(try BoxReader().parse(shortHeader).first).trun()
        }
        let badVersion = bytes { w in w.fullBox("trun", version: 3, flags: 0) { w in w.write(UInt32(0)) } }
        #expect(throws: BoxReaderError.unsupportedVersion(type: "trun", version: 3)) {
            try #require(try BoxReader().parse(badVersion).first).trun()
        }
        let emptyBox = bytes { w in w.box("mfhd") { _ in } }
        #expect(throws: BoxReaderError.truncatedPayload(type: "mfhd")) {
            try #require(try BoxReader().parse(emptyBox).first).mfhdSequenceNumber()
        }
    }

    /// Corrupts a valid init segment and fragment at random positions and truncates them at
    /// every length: reading and decoding must end in a result or an error, never a trap.
    @Test func survivesCorruptedAndTruncatedInput() throws {
        let track = CMAFTrackDescription(
            trackID: 1,
            timescale: 90_000,
            sampleEntry: .avc1(avcC: [1, 0x64, 0, 0x1F, 0xFF, 0xE1, 0, 0], width: 640, height: 360)
        )
        var input = try CMAFInitSegment.make(track)
        let samples = (0..<6).map { FragmentSample(duration: 3000, size: 10, isSync: $0 == 0, compositionOffset: Int32($0 % 3) - 1) }
        try CMAFFragment.write(
            sequenceNumber: 1,
            trackID: 1,
            baseMediaDecodeTime: 0,
            samples: samples,
            data: ByteBuffer(repeating: 0x11, count: 60),
            into: &input
        )
        let original = Array(input.readableBytesView)

        var random = SplitMix64(seed: 0x5EED)
        for _ in 0..<3000 {
            var mutated = original
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let index = Int(random.next() % UInt64(mutated.count))
                mutated[index] = UInt8(truncatingIfNeeded: random.next())
            }
            exercise(ByteBuffer(bytes: mutated))
        }
        for length in 0...original.count {
            exercise(ByteBuffer(bytes: original.prefix(length)))
        }
    }

    private func exercise(_ buffer: ByteBuffer) {
        guard let boxes = try? BoxReader().parse(buffer) else { return }
        func visit(_ box: ParsedBox) {
            _ = try? box.fullBoxHeader()
            switch box.type {
            case "mfhd": _ = try? box.mfhdSequenceNumber()
            case "tfdt": _ = try? box.tfdtBaseMediaDecodeTime()
            case "trun": _ = try? box.trun()
            case "tfhd": _ = try? box.tfhd()
            case "mdhd": _ = try? box.mdhdTimescale()
            case "tkhd": _ = try? box.tkhdTrackID()
            case "stsd":
                for entry in (try? BoxReader().parseChildren(of: box, skipping: 8)) ?? [] {
                    _ = try? BoxReader().parseChildren(of: entry, skipping: 78)
                }
            default: break
            }
            box.children.forEach(visit)
        }
        boxes.forEach(visit)
    }
}

/// A small deterministic generator, so corruption tests are reproducible.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
