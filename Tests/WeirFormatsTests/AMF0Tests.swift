import NIOCore
import Testing
import WeirFormats

@Suite struct AMF0Tests {
    /// The `connect` command ffmpeg 5.1 sent to `rtmp://127.0.0.1:19350/live/streamkey`, captured off the wire.
    static let ffmpegConnect =
        "020007636f6e6e656374003ff00000000000000300036170700200046c69766500047479706502000a6e6f6e707269766174"
        + "650008666c617368566572020024464d4c452f332e302028636f6d70617469626c653b204c61766635392e32372e3130302900"
        + "05746355726c02001b72746d703a2f2f3132372e302e302e313a31393335302f6c697665000009"

    /// The `onMetaData` script tag ffmpeg's FLV muxer wrote for a 320x240 H.264 + AAC file.
    static let ffmpegMetadata =
        "02000a6f6e4d65746144617461080000000d00086475726174696f6e003fd116872b020c4a00057769647468004074000000"
        + "000000000668656967687400406e000000000000000d766964656f646174617261746500000000000000000000096672616d"
        + "657261746500403e000000000000000c766964656f636f646563696400401c000000000000000d617564696f646174617261"
        + "746500404f400000000000000f617564696f73616d706c65726174650040e5888000000000000f617564696f73616d706c65"
        + "73697a65004030000000000000000673746572656f0101000c617564696f636f64656369640040240000000000000007656e"
        + "636f64657202000d4c61766635392e32372e313030000866696c6573697a650040c89b8000000000000009"

    private func roundTrip(_ value: AMF0Value) throws -> AMF0Value {
        var buffer = ByteBuffer()
        AMF0Encoder.encode(value, into: &buffer)
        let decoded = try AMF0Decoder.decode(&buffer)
        #expect(buffer.readableBytes == 0)
        return decoded
    }

    @Test func roundTripsEveryType() throws {
        let object: AMF0Object = ["a": .number(1), "b": .string("x"), "": .null]
        let values: [AMF0Value] = [
            .number(0), .number(-1.5), .number(1e300), .number(.infinity),
            .boolean(true), .boolean(false),
            .string(""), .string("live/streamkey"), .string("grüße 🎥"),
            .object(object), .object(AMF0Object()),
            .null, .undefined,
            .ecmaArray(["duration": .number(0), "encoder": .string("Lavf")]),
            .strictArray([.number(1), .string("two"), .null, .strictArray([])]),
            .date(1_700_000_000_000, -60),
        ]
        for value in values {
            #expect(try roundTrip(value) == value)
        }
    }

    @Test func encodesTheWireFormat() {
        var buffer = ByteBuffer()
        AMF0Encoder.encode([.number(1), .boolean(true), .string("ab"), .null, .undefined], into: &buffer)
        AMF0Encoder.encode(.object(["k": .boolean(false)]), into: &buffer)
        AMF0Encoder.encode(.ecmaArray(["k": .null]), into: &buffer)
        AMF0Encoder.encode(.strictArray([.null]), into: &buffer)
        AMF0Encoder.encode(.date(0, 1), into: &buffer)
        let expected = fixtureBytes(
            """
            00 3ff0000000000000  01 01  02 0002 6162  05  06
            03 0001 6b 01 00 000009
            08 00000001 0001 6b 05 000009
            0a 00000001 05
            0b 0000000000000000 0001
            """
        )
        #expect(Array(buffer.readableBytesView) == expected)
    }

    @Test func usesLongStringsAbove65535Bytes() throws {
        let long = String(repeating: "x", count: 70_000)
        var buffer = ByteBuffer()
        AMF0Encoder.encode(.string(long), into: &buffer)
        #expect(buffer.readableBytesView.prefix(5) == [0x0C, 0x00, 0x01, 0x11, 0x70])
        #expect(try AMF0Decoder.decode(&buffer) == .string(long))

        let exact = String(repeating: "y", count: 65_535)
        var short = ByteBuffer()
        AMF0Encoder.encode(.string(exact), into: &short)
        #expect(short.readableBytesView.first == 0x02)
        #expect(try AMF0Decoder.decode(&short) == .string(exact))
    }

    @Test func decodesTheFFmpegConnectCommand() throws {
        let values = try AMF0Decoder.decodeCommandMessage(fixtureBuffer(Self.ffmpegConnect), amf3: false)
        #expect(values.count == 3)
        #expect(values[0].stringValue == "connect")
        #expect(values[1].numberValue == 1)
        let command = try #require(values[2].objectValue)
        #expect(command.keys == ["app", "type", "flashVer", "tcUrl"])
        #expect(command["app"]?.stringValue == "live")
        #expect(command["flashVer"]?.stringValue == "FMLE/3.0 (compatible; Lavf59.27.100)")
        #expect(command["tcUrl"]?.stringValue == "rtmp://127.0.0.1:19350/live")
        #expect(command["missing"] == nil)

        // Re-encoding reproduces the client's bytes exactly.
        #expect(Array(AMF0Encoder.encode(values).readableBytesView) == fixtureBytes(Self.ffmpegConnect))
    }

    @Test func stripsTheFormatByteOfAMF3CommandMessages() throws {
        let body = fixtureBytes("00") + fixtureBytes(Self.ffmpegConnect)
        let values = try AMF0Decoder.decodeCommandMessage(ByteBuffer(bytes: body), amf3: true)
        #expect(values.first?.stringValue == "connect")
        #expect(throws: AMF0Error.amf3NotSupported) {
            try AMF0Decoder.decodeCommandMessage(fixtureBuffer("11 06"), amf3: true)
        }
        #expect(throws: AMF0Error.truncated("AMF3 command format byte")) {
            try AMF0Decoder.decodeCommandMessage(ByteBuffer(), amf3: true)
        }
        // An AMF3 value switched to inside an AMF0 stream.
        #expect(throws: AMF0Error.amf3NotSupported) {
            try AMF0Decoder.decodeCommandMessage(fixtureBuffer("00 02 0001 61 11 04 01"), amf3: true)
        }
    }

    @Test func decodesFFmpegMetadata() throws {
        let values = try AMF0Decoder.decodeAll(fixtureBuffer(Self.ffmpegMetadata))
        #expect(values.count == 2)
        #expect(values[0] == .string("onMetaData"))
        guard case .ecmaArray(let metadata) = values[1] else {
            Issue.record("expected an ECMA array, got \(values[1])")
            return
        }
        #expect(metadata.count == 13)
        #expect(metadata["width"]?.numberValue == 320)
        #expect(metadata["height"]?.numberValue == 240)
        #expect(metadata["framerate"]?.numberValue == 30)
        #expect(metadata["videocodecid"]?.numberValue == 7)
        #expect(metadata["audiocodecid"]?.numberValue == 10)
        #expect(metadata["stereo"] == .boolean(true))
        #expect(metadata["encoder"]?.stringValue == "Lavf59.27.100")
        #expect(metadata.keys.last == "filesize")
    }

    @Test func ignoresTheDeclaredECMAArrayCount() throws {
        // Declares 0 entries but holds two; then declares 0xFFFFFFFF and holds one.
        for count in ["00000000", "ffffffff"] {
            var buffer = fixtureBuffer("08 \(count) 0001 61 05 0001 62 0101 000009 05")
            let value = try AMF0Decoder.decode(&buffer)
            #expect(value == .ecmaArray(["a": .null, "b": .boolean(true)]))
            #expect(try AMF0Decoder.decode(&buffer) == .null)
        }
    }

    @Test func decodesNestedObjects() throws {
        let inner: AMF0Object = ["codec": .string("avc1"), "levels": .strictArray([.number(3.1), .number(4)])]
        let value = AMF0Value.object(["video": .object(inner), "audio": .ecmaArray(["rate": .number(48000)])])
        let decoded = try roundTrip(value)
        #expect(decoded.objectValue?["video"]?.objectValue?["codec"]?.stringValue == "avc1")
        #expect(decoded.objectValue?["audio"]?.objectValue?["rate"]?.numberValue == 48000)
        #expect(decoded == value)
    }

    @Test func mapsLegacyMarkers() throws {
        // Typed object -> object, XML document -> string, unsupported -> undefined.
        let values = try AMF0Decoder.decodeAll(fixtureBuffer("10 0003 466f6f 0001 78 05 000009  0f 00000002 3c61  0d"))
        #expect(values == [.object(["x": .null]), .string("<a"), .undefined])
    }

    @Test func editsObjectsInOrder() {
        var object: AMF0Object = ["a": .number(1), "b": .number(2)]
        object["a"] = .string("one")
        object["c"] = .null
        object.append(key: "a", value: .boolean(false))
        #expect(object.keys == ["a", "b", "c", "a"])
        #expect(object["a"] == .string("one"))
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object != ["c": .null, "b": .number(2)])
        #expect(AMF0Value.ecmaArray(object).objectValue == object)
        #expect(AMF0Value.null.isNullOrUndefined)
        #expect(AMF0Value.strictArray([.null]).arrayValue == [.null])
        #expect(AMF0Value.number(1).stringValue == nil)
    }

    @Test func cutsOverlongKeysAtACharacterBoundary() throws {
        let key = String(repeating: "é", count: 40_000)  // 80 000 UTF-8 bytes
        var buffer = ByteBuffer()
        AMF0Encoder.encode(.object([key: .null]), into: &buffer)
        let decoded = try AMF0Decoder.decode(&buffer)
        let decodedKey = try #require(decoded.objectValue?.keys.first)
        #expect(decodedKey.utf8.count == 65_534)
        #expect(decodedKey == String(repeating: "é", count: 32_767))
    }

    @Test func rejectsTruncatedInput() {
        let cases: [(String, String)] = [
            ("", "type marker"),
            ("00 3ff00000", "number"),
            ("01", "boolean"),
            ("02 00", "string length"),
            ("02 0005 6162", "string"),
            ("0c 00000010 61", "string"),
            ("03 0001 61 05", "string length"),
            ("03 0001 61", "type marker"),
            ("08 000000", "ECMA array count"),
            ("0a 00000003 05 05", "strict array"),
            ("0b 00000000000000", "date"),
        ]
        for (hex, field) in cases {
            var buffer = fixtureBuffer(hex)
            let before = buffer
            #expect(throws: AMF0Error.truncated(field), "\(hex)") { try AMF0Decoder.decode(&buffer) }
            #expect(buffer == before)
        }
        // Truncating a real command anywhere fails cleanly or, at a value boundary, yields fewer values.
        let connect = fixtureBytes(Self.ffmpegConnect)
        for length in 1..<connect.count {
            let values = try? AMF0Decoder.decodeAll(ByteBuffer(bytes: connect.prefix(length)))
            #expect((values?.count ?? 0) < 3, "prefix of \(length) bytes")
        }
    }

    @Test func rejectsMalformedInput() {
        #expect(throws: AMF0Error.unknownMarker(0x12)) { try AMF0Decoder.decodeAll(fixtureBuffer("12")) }
        #expect(throws: AMF0Error.unknownMarker(0x07)) { try AMF0Decoder.decodeAll(fixtureBuffer("07 0001")) }
        #expect(throws: AMF0Error.unknownMarker(0x04)) { try AMF0Decoder.decodeAll(fixtureBuffer("04")) }
        #expect(throws: AMF0Error.amf3NotSupported) { try AMF0Decoder.decodeAll(fixtureBuffer("11 02")) }
        #expect(throws: AMF0Error.unexpectedObjectEnd) { try AMF0Decoder.decodeAll(fixtureBuffer("09")) }
        #expect(throws: AMF0Error.unexpectedObjectEnd) { try AMF0Decoder.decodeAll(fixtureBuffer("03 0001 61 09")) }
        #expect(throws: AMF0Error.invalidUTF8) { try AMF0Decoder.decodeAll(fixtureBuffer("02 0002 c328")) }
        #expect(throws: AMF0Error.invalidUTF8) { try AMF0Decoder.decodeAll(fixtureBuffer("03 0001 ff 05 000009")) }
    }

    @Test func limitsNestingDepth() throws {
        // `depth` objects, each holding the next under key "a"; the innermost is empty.
        func nestedObjects(_ depth: Int) -> ByteBuffer {
            var bytes: [UInt8] = []
            for _ in 1..<depth { bytes += [0x03, 0x00, 0x01, 0x61] }
            bytes += [0x03, 0x00, 0x00, 0x09]
            for _ in 1..<depth { bytes += [0x00, 0x00, 0x09] }
            return ByteBuffer(bytes: bytes)
        }
        var ok = nestedObjects(AMF0Decoder.maxDepth)
        var value = try AMF0Decoder.decode(&ok)
        var depth = 1
        while let child = value.objectValue?["a"] {
            value = child
            depth += 1
        }
        #expect(depth == AMF0Decoder.maxDepth)
        var tooDeep = nestedObjects(AMF0Decoder.maxDepth + 1)
        #expect(throws: AMF0Error.nestingTooDeep) { try AMF0Decoder.decode(&tooDeep) }

        // A bomb of 100 000 nested one-element strict arrays fails fast instead of exhausting the stack.
        var bomb: [UInt8] = []
        for _ in 0..<100_000 { bomb += [0x0A, 0x00, 0x00, 0x00, 0x01] }
        bomb.append(0x05)
        #expect(throws: AMF0Error.nestingTooDeep) { try AMF0Decoder.decodeAll(ByteBuffer(bytes: bomb)) }
    }

    @Test func limitsElementCount() {
        let count = AMF0Decoder.maxElements + 10
        var bytes: [UInt8] = [0x0A]
        withUnsafeBytes(of: UInt32(count).bigEndian) { bytes += $0 }
        bytes += [UInt8](repeating: 0x05, count: count)
        #expect(throws: AMF0Error.tooManyElements) { try AMF0Decoder.decodeAll(ByteBuffer(bytes: bytes)) }

        // The budget spans the whole call, not one container.
        let nulls = ByteBuffer(bytes: [UInt8](repeating: 0x05, count: AMF0Decoder.maxElements + 1))
        #expect(throws: AMF0Error.tooManyElements) { try AMF0Decoder.decodeAll(nulls) }
    }

    @Test func survivesMutatedInput() throws {
        var random = FixtureRandom(seed: 0xA3F0)
        var parsed = 0
        let seeds = [fixtureBytes(Self.ffmpegConnect), fixtureBytes(Self.ffmpegMetadata)]
        for seed in seeds {
            for bytes in random.mutations(of: seed, count: 3_000) {
                guard let values = try? AMF0Decoder.decodeAll(ByteBuffer(bytes: bytes)) else { continue }
                parsed += 1
                // Whatever decodes must re-encode to a stable form.
                let encoded = AMF0Encoder.encode(values)
                let again = try AMF0Decoder.decodeAll(encoded)
                #expect(AMF0Encoder.encode(again) == encoded)
            }
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
