import NIOCore
import Testing
import WeirFormats

/// Decodes a hex fixture, ignoring spaces and newlines.
func fixtureBytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter(\.isHexDigit)
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex) ?? digits.endIndex
        bytes.append(UInt8(digits[index..<next], radix: 16) ?? 0)
        index = next
    }
    return bytes
}

/// A buffer holding a hex fixture.
func fixtureBuffer(_ hex: String) -> ByteBuffer {
    ByteBuffer(bytes: fixtureBytes(hex))
}

@Suite struct BitReaderTests {
    @Test func readsFieldsAcrossByteBoundaries() throws {
        var reader = BitReader([0b1011_0011, 0b0101_1100, 0xFF])
        #expect(try reader.read(bits: 1) == 1)
        #expect(try reader.read(bits: 3) == 0b011)
        #expect(try reader.read(bits: 6) == 0b0011_01)
        #expect(reader.bitPosition == 10)
        #expect(!reader.isByteAligned)
        #expect(try reader.read(bits: 0) == 0)
        #expect(try reader.read(bits: 14) == 0b01_1100_1111_1111)
        #expect(reader.bitsRemaining == 0)
        #expect(throws: BitstreamError.endOfData) { try reader.readFlag() }
    }

    @Test func reads32BitValues() throws {
        var reader = BitReader([0x80, 0xDE, 0xAD, 0xBE, 0xEF])
        #expect(try reader.read(bits: 1) == 1)
        try reader.skip(bits: 7)
        #expect(try reader.read(bits: 32) == 0xDEAD_BEEF)
    }

    @Test func rejectsReadsPastTheEndWithoutMoving() throws {
        var reader = BitReader([0xAB])
        _ = try reader.read(bits: 4)
        #expect(throws: BitstreamError.endOfData) { try reader.read(bits: 5) }
        #expect(reader.bitPosition == 4)
        #expect(throws: BitstreamError.endOfData) { try reader.skip(bits: 5) }
        #expect(throws: BitstreamError.invalidBitCount(33)) { try reader.read(bits: 33) }
        #expect(throws: BitstreamError.invalidBitCount(-1)) { try reader.read(bits: -1) }
        #expect(try reader.read(bits: 4) == 0xB)
    }

    @Test func decodesExpGolombCodes() throws {
        // 1 | 010 | 011 | 00100 | 00111 | 0001000 -> 0, 1, 2, 3, 6, 7
        var writer = BitWriter()
        for bit in "1010011001000011100010001" {
            writer.writeFlag(bit == "1")
        }
        var reader = BitReader(writer.bytes)
        #expect(try reader.readUE() == 0)
        #expect(try reader.readUE() == 1)
        #expect(try reader.readUE() == 2)
        #expect(try reader.readUE() == 3)
        #expect(try reader.readUE() == 6)
        #expect(try reader.readUE() == 7)
    }

    @Test func decodesSignedExpGolombCodes() throws {
        // Code numbers 0, 1, 2, 3, 4 map to 0, 1, -1, 2, -2.
        var writer = BitWriter()
        for code: UInt32 in [0, 1, 2, 3, 4] {
            writer.writeUE(code)
        }
        var reader = BitReader(writer.bytes)
        var values: [Int32] = []
        for _ in 0..<5 {
            values.append(try reader.readSE())
        }
        #expect(values == [0, 1, -1, 2, -2])
    }

    @Test func boundsExpGolombTo32Bits() throws {
        // 31 leading zeros is the longest code that fits: value 2^32 - 2 with an all-ones suffix.
        var longest = BitWriter()
        longest.write(0, bits: 31)
        longest.writeFlag(true)
        longest.write(UInt32.max >> 1, bits: 31)
        var reader = BitReader(longest.bytes)
        #expect(try reader.readUE() == UInt32.max - 1)

        var tooLong = BitReader([0, 0, 0, 0, 0x80, 0, 0, 0, 0])
        #expect(throws: BitstreamError.expGolombOverflow) { try tooLong.readUE() }

        var truncated = BitReader([0x00, 0x01])
        #expect(throws: BitstreamError.endOfData) { try truncated.readUE() }

        var allZeros = BitReader([0, 0])
        #expect(throws: BitstreamError.endOfData) { try allZeros.readUE() }
    }

    @Test func writerRoundTripsThroughReader() throws {
        let unsigned: [UInt32] = [0, 1, 2, 15, 16, 255, 65_535, 1 << 20, UInt32.max - 1]
        let signed: [Int32] = [0, 1, -1, 7, -8, 127, -128, Int32.max, -Int32.max]
        var writer = BitWriter()
        writer.write(0b101, bits: 3)
        for value in unsigned { writer.writeUE(value) }
        for value in signed { writer.writeSE(value) }
        writer.write(0xABCD, bits: 16)
        var reader = BitReader(writer.bytes)
        #expect(try reader.read(bits: 3) == 0b101)
        for value in unsigned { #expect(try reader.readUE() == value) }
        for value in signed { #expect(try reader.readSE() == value) }
        #expect(try reader.read(bits: 16) == 0xABCD)
        #expect(reader.bitsRemaining < 8)
    }
}

/// A deterministic generator (SplitMix64) for mutation tests, so failures reproduce.
struct FixtureRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// Variants of `seed`: random byte flips, truncations and random tails.
    mutating func mutations(of seed: [UInt8], count: Int) -> [[UInt8]] {
        var results: [[UInt8]] = []
        for round in 0..<count {
            var bytes = seed
            switch round % 3 {
            case 0 where !bytes.isEmpty:
                for _ in 0..<Int.random(in: 1...4, using: &self) {
                    bytes[Int.random(in: 0..<bytes.count, using: &self)] = UInt8.random(in: 0...255, using: &self)
                }
            case 1:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &self)))
            default:
                bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &self)))
                for _ in 0..<Int.random(in: 0...16, using: &self) {
                    bytes.append(UInt8.random(in: 0...255, using: &self))
                }
            }
            results.append(bytes)
        }
        return results
    }
}
