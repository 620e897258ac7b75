import NIOCore
import Testing
import WeirFormats

@Suite struct AVCNALUnitTests {
    @Test func removesEmulationPreventionBytes() {
        let escaped = fixtureBytes("67 00 00 03 01 00 00 03 00 00 00 03 03 00 00 03")
        #expect(NALUnit.removingEmulationPrevention(escaped) == fixtureBytes("67 00 00 01 00 00 00 00 00 03 00 00"))
        // A 03 not preceded by two zeros is data.
        #expect(NALUnit.removingEmulationPrevention(fixtureBytes("00 03 00 00 04 03")) == fixtureBytes("00 03 00 00 04 03"))
    }

    @Test func emulationPreventionRoundTrips() {
        let rbsp = fixtureBytes("00 00 00 00 01 00 00 02 00 00 03 00 00 04 00 00")
        let escaped = NALUnit.addingEmulationPrevention(rbsp)
        #expect(escaped == fixtureBytes("00 00 03 00 00 03 01 00 00 03 02 00 00 03 03 00 00 04 00 00"))
        #expect(NALUnit.removingEmulationPrevention(escaped) == rbsp)
    }

    @Test func iteratesLengthPrefixedUnitsForEverySize() throws {
        let units: [[UInt8]] = [[0x65, 0x88, 0x84], [0x06], [0x41, 0x9A, 0x00, 0x01]]
        for lengthSize in [1, 2, 4] {
            var buffer = ByteBuffer()
            for unit in units {
                try NALUnit.writeLengthPrefixed(unit, lengthSize: lengthSize, into: &buffer)
            }
            let slices = try NALUnit.lengthPrefixedUnits(in: buffer, lengthSize: lengthSize)
            #expect(slices.map { Array($0.readableBytesView) } == units)
        }
    }

    @Test func skipsEmptyUnitsAndHonoursTheReaderIndex() throws {
        var buffer = fixtureBuffer("FF FF 00 00 00 00 00 00 00 02 09 F0")
        buffer.moveReaderIndex(forwardBy: 2)
        let slices = try NALUnit.lengthPrefixedUnits(in: buffer, lengthSize: 4)
        #expect(slices.map { Array($0.readableBytesView) } == [[0x09, 0xF0]])
        #expect(H264NALUnitType(headerByte: 0x09) == .accessUnitDelimiter)
    }

    @Test func rejectsLengthsBeyondTheBuffer() {
        #expect(throws: CodecError.nalUnitLengthExceedsBuffer(length: 5, available: 3)) {
            try NALUnit.lengthPrefixedUnits(in: fixtureBuffer("00 00 00 05 65 88 84"), lengthSize: 4)
        }
        #expect(throws: CodecError.nalUnitLengthExceedsBuffer(length: 0xFFFF_FFFF, available: 1)) {
            try NALUnit.lengthPrefixedUnits(in: fixtureBuffer("FF FF FF FF 65"), lengthSize: 4)
        }
        #expect(throws: CodecError.truncated("NAL unit length")) {
            try NALUnit.lengthPrefixedUnits(in: fixtureBuffer("00 00 00 01 65 00 00"), lengthSize: 4)
        }
        #expect(throws: CodecError.invalidNALLengthSize(3)) {
            try NALUnit.lengthPrefixedUnits(in: fixtureBuffer("00 00 01 65"), lengthSize: 3)
        }
        var output = ByteBuffer()
        #expect(throws: CodecError.self) {
            try NALUnit.writeLengthPrefixed([UInt8](repeating: 1, count: 256), lengthSize: 1, into: &output)
        }
    }

    @Test func splitsAnnexBStreams() {
        let stream = fixtureBuffer(
            """
            AA 00 00 00 01 09 F0 00 00 01 67 42 00 00 03 01 00 00 00 01 68 CE 00 00 00 00 01 65 88 80 00 00 00
            """
        )
        let units = NALUnit.annexBUnits(in: stream).map { Array($0.readableBytesView) }
        #expect(
            units == [
                fixtureBytes("09 F0"), fixtureBytes("67 42 00 00 03 01"), fixtureBytes("68 CE"), fixtureBytes("65 88 80"),
            ]
        )
        #expect(units.map { H264NALUnitType(headerByte: $0[0]) } == [.accessUnitDelimiter, .sequenceParameterSet, .pictureParameterSet, .idrSlice])
        #expect(NALUnit.annexBUnits(in: fixtureBuffer("01 02 03")).isEmpty)
        #expect(NALUnit.annexBUnits(in: fixtureBuffer("00 00 01 00 00 01")).isEmpty)
    }

    @Test func classifiesNALUnitTypes() {
        #expect(H264NALUnitType(headerByte: 0x65) == .idrSlice)
        #expect(H264NALUnitType(headerByte: 0x41).isSlice)
        #expect(!H264NALUnitType(headerByte: 0x67).isSlice)
        #expect(HEVCNALUnitType(headerByte: 0x40) == .videoParameterSet)
        #expect(HEVCNALUnitType(headerByte: 0x42) == .sequenceParameterSet)
        #expect(HEVCNALUnitType(headerByte: 0x26).isIRAP)  // IDR_W_RADL
        #expect(HEVCNALUnitType(headerByte: 0x02).isVCL)
        #expect(!HEVCNALUnitType(headerByte: 0x4E).isVCL)  // prefix SEI
    }
}
