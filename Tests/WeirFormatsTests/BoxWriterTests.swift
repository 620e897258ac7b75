import NIOCore
import Testing

@testable import WeirFormats

@Suite struct BoxWriterTests {
    @Test func boxTypeFromLiteralIsBigEndianCharacters() {
        let type: BoxType = "moov"
        #expect(type.rawValue == 0x6D6F_6F76)
        #expect(type.description == "moov")
        let valid = "url ", tooLong = "toolong"
        #expect(BoxType(valid) == BoxType(rawValue: 0x7572_6C20))
        #expect(BoxType(tooLong) == nil)
        #expect(BoxType(rawValue: 0x0000_0001).description == "0x00000001")
    }

    @Test func nestedBoxesGetTheirSizesPatched() {
        var writer = BoxWriter()
        writer.box("moov") { w in
            w.box("free") { w in w.write(UInt32(0xDEAD_BEEF)) }
            w.box("skip") { _ in }
        }
        let bytes = Array(writer.buffer.readableBytesView)
        #expect(
            bytes == [
                0, 0, 0, 28, 0x6D, 0x6F, 0x6F, 0x76,
                0, 0, 0, 12, 0x66, 0x72, 0x65, 0x65, 0xDE, 0xAD, 0xBE, 0xEF,
                0, 0, 0, 8, 0x73, 0x6B, 0x69, 0x70,
            ]
        )
    }

    @Test func fullBoxWritesVersionAndLow24BitsOfFlags() {
        var writer = BoxWriter()
        writer.fullBox("tfdt", version: 1, flags: 0xFF02_0001) { w in w.write(UInt64(0x0102_0304_0506_0708)) }
        let bytes = Array(writer.buffer.readableBytesView)
        #expect(bytes == [0, 0, 0, 20, 0x74, 0x66, 0x64, 0x74, 1, 0x02, 0x00, 0x01, 1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func writeIntoAppendsAfterExistingBytes() throws {
        var buffer = ByteBuffer(bytes: [0xAA, 0xBB])
        try BoxWriter.write(into: &buffer) { w in
            w.box("free") { w in w.write(bytes: [1, 2, 3]) }
        }
        #expect(Array(buffer.readableBytesView) == [0xAA, 0xBB, 0, 0, 0, 11, 0x66, 0x72, 0x65, 0x65, 1, 2, 3])
    }

    @Test func integerHelpersAreBigEndian() {
        var writer = BoxWriter()
        writer.write(Int16(-1))
        writer.write(UInt16(0x0102))
        writer.write(Int32(-2))
        writer.write("avc1" as BoxType)
        writer.writeZeros(3)
        writer.write(buffer: ByteBuffer(bytes: [9, 8]))
        #expect(
            Array(writer.buffer.readableBytesView)
                == [0xFF, 0xFF, 1, 2, 0xFF, 0xFF, 0xFF, 0xFE, 0x61, 0x76, 0x63, 0x31, 0, 0, 0, 9, 8]
        )
    }

    @Test func unityMatrixIsThirtySixBytes() {
        var writer = BoxWriter()
        writer.writeUnityMatrix()
        var buffer = writer.buffer
        #expect(buffer.readableBytes == 36)
        var values: [UInt32] = []
        while let value = buffer.readInteger(as: UInt32.self) {
            values.append(value)
        }
        #expect(values == [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000])
    }

    @Test func descriptorUsesFourByteExpandableSize() {
        var writer = BoxWriter()
        writer.descriptor(tag: 0x03) { w in
            w.write(bytes: Array(repeating: 7, count: 200))
        }
        let bytes = Array(writer.buffer.readableBytesView)
        #expect(bytes.count == 205)
        // 200 = 0b1_1001000: 7-bit groups 0, 0, 1, 0x48.
        #expect(Array(bytes.prefix(5)) == [0x03, 0x80, 0x80, 0x81, 0x48])
    }

    @Test func boxTypeLiteralsAreAlwaysFourBytes() {
        #expect(("url" as BoxType) == BoxType(rawValue: 0x7572_6C20))
        #expect(("moovx" as BoxType) == ("moov" as BoxType))
    }

    @Test func aDescriptorTooLargeForItsSizeFieldIsAnErrorNotATrap() {
        var buffer = ByteBuffer()
        #expect(throws: BoxWriterError.descriptorTooLarge(tag: 0x05, size: 1 << 28)) {
            try BoxWriter.write(into: &buffer) { w in
                w.descriptor(tag: 0x05) { w in w.writeZeros(1 << 28) }
            }
        }
    }
}
