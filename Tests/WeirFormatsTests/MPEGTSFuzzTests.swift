import NIOCore
import Testing
import WeirCore
import WeirFormats

/// Random and mutated input through the demuxer and the adapter: nothing traps, the counters
/// account for every byte, and damaged streams still yield media.
@Suite struct MPEGTSFuzzTests {
    typealias Support = MPEGTSTestSupport

    /// Runs bytes through a demuxer and an adapter in random chunks.
    @discardableResult
    static func run(_ bytes: [UInt8], random: inout FixtureRandom, configuration: MPEGTSDemuxer.Configuration = .init())
        -> (outputs: [MPEGTSMediaAdapter.Output], demuxer: MPEGTSDemuxer)
    {
        var demuxer = MPEGTSDemuxer(configuration: configuration)
        var adapter = MPEGTSMediaAdapter()
        var outputs: [MPEGTSMediaAdapter.Output] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 1 + Int(random.next() % 1_500))
            outputs += adapter.consume(demuxer.feed(ByteBuffer(bytes: bytes[offset..<end])))
            offset = end
        }
        outputs += adapter.consume(demuxer.flush())
        return (outputs, demuxer)
    }

    @Test func randomBytesNeverTrap() {
        var random = FixtureRandom(seed: 0x7E57)
        var demuxer = MPEGTSDemuxer()
        var adapter = MPEGTSMediaAdapter()
        var total = 0
        for _ in 0..<3_000 {
            let count = Int(random.next() % 3_000)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            total += count
            _ = adapter.consume(demuxer.feed(ByteBuffer(bytes: bytes)))
        }
        _ = adapter.consume(demuxer.flush())
        #expect(demuxer.counters.bytes == total)
        #expect(demuxer.counters.packets * 188 + demuxer.counters.discardedBytes <= total)
    }

    /// Packets with valid sync bytes, PIDs the demuxer follows and sections with correct CRCs but
    /// random contents, so parsing goes past the first checks.
    @Test func plausiblePacketsNeverTrap() {
        var random = FixtureRandom(seed: 42)
        var selected = 0
        for round in 0..<300 {
            var bytes: [UInt8] = []
            for _ in 0..<(10 + Int(random.next() % 60)) {
                bytes += Self.plausiblePacket(&random)
            }
            let configuration = MPEGTSDemuxer.Configuration(
                programNumber: round % 4 == 0 ? UInt16(random.next() % 4) : nil, maxPESSize: 1 << 16,
                selectionTimeoutPackets: Int(random.next() % 20))
            let (_, demuxer) = Self.run(bytes, random: &random, configuration: configuration)
            #expect(demuxer.counters.packets == bytes.count / 188)
            if demuxer.programNumber != nil { selected += 1 }
        }
        // The random tables are plausible enough to select programs, so stream parsing is reached.
        #expect(selected >= 5)
    }

    static func plausiblePacket(_ random: inout FixtureRandom) -> [UInt8] {
        let pids: [UInt16] = [0x0000, 0x1000, 0x0100, 0x0101, 0x0102, 0x1FFF]
        let pid = pids[Int(random.next() % UInt64(pids.count))]
        let unitStart = random.next() % 2 == 0
        var packet: [UInt8] = [
            0x47, (unitStart ? 0x40 : 0) | UInt8(pid >> 8), UInt8(truncatingIfNeeded: pid),
            UInt8(truncatingIfNeeded: random.next()) & 0x3F | 0x10,
        ]
        if pid == 0 || pid == 0x1000 {
            // pointer_field 0 and a section with a random body and a correct CRC.
            let bodyLength = Int(random.next() % 40)
            var body: [UInt8] = []
            if pid == 0 {
                for _ in 0..<(bodyLength / 4) {
                    body += [0x00, UInt8(random.next() % 3), 0xF0, 0x00]
                }
            } else {
                body = [0xE1, 0x00, 0xF0, 0x00]
                for _ in 0..<(bodyLength / 5) {
                    let types: [UInt8] = [0x1B, 0x24, 0x0F, 0x03, 0x86, UInt8(truncatingIfNeeded: random.next())]
                    body += [types[Int(random.next() % 6)], 0xE1, UInt8(random.next() % 4), 0xF0, UInt8(random.next() % 3)]
                }
            }
            let section = Self.section(
                tableID: pid == 0 ? 0 : 2, tableIDExtension: UInt16(random.next() % 3), version: UInt8(random.next() % 2),
                body: body)
            packet += [0x00] + section
        } else if unitStart {
            // A PES header with random flags and timestamps.
            packet += [0x00, 0x00, 0x01, [0xE0, 0xC0, 0xBD, 0xBE][Int(random.next() % 4)]]
            packet += [UInt8(random.next() % 2), UInt8(truncatingIfNeeded: random.next())]
            packet += [0x80, UInt8(truncatingIfNeeded: random.next()) & 0xC0, UInt8(random.next() % 16)]
            // Start codes, AUDs, parameter-set headers and ADTS syncwords in the payload.
            let pieces: [[UInt8]] = [[0, 0, 1, 0x67], [0, 0, 1, 0x68], [0, 0, 1, 0x65], [0, 0, 1, 0x40, 1], [0xFF, 0xF1, 0x50]]
            for _ in 0..<8 { packet += pieces[Int(random.next() % UInt64(pieces.count))] }
        }
        while packet.count < 188 { packet.append(UInt8(truncatingIfNeeded: random.next())) }
        return Array(packet.prefix(188))
    }

    static func section(tableID: UInt8, tableIDExtension: UInt16, version: UInt8, body: [UInt8]) -> [UInt8] {
        let length = 5 + body.count + 4
        var section: [UInt8] = [
            tableID, 0xB0 | UInt8(length >> 8), UInt8(truncatingIfNeeded: length), UInt8(tableIDExtension >> 8),
            UInt8(truncatingIfNeeded: tableIDExtension), 0xC1 | version << 1, 0, 0,
        ]
        section += body
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in section {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1 }
        }
        return section + [UInt8(crc >> 24), UInt8(truncatingIfNeeded: crc >> 16), UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)]
    }

    @Test func mutatedStreamsNeverTrapAndMostStillPlay() {
        let stream = MPEGTSSyntheticStream(frames: 8, gop: 4)
        let seed = Array(stream.bytes.readableBytesView)
        var random = FixtureRandom(seed: 1234)
        let variants = random.mutations(of: seed, count: 900)
        var playable = 0
        for variant in variants {
            let (outputs, demuxer) = Self.run(variant, random: &random)
            #expect(demuxer.counters.bytes == variant.count)
            if !Support.samples(outputs, kind: .video).isEmpty { playable += 1 }
        }
        // Truncations to a few bytes leave nothing, but most variants keep video.
        #expect(playable > variants.count / 2)
    }

    @Test func heavilyDamagedStreamsNeverTrap() {
        let stream = MPEGTSSyntheticStream(frames: 30, gop: 10, seed: 9)
        let packets = stream.packets
        var random = FixtureRandom(seed: 77)
        for _ in 0..<200 {
            var bytes: [UInt8] = []
            for var packet in packets {
                switch random.next() % 20 {
                case 0: continue  // dropped
                case 1: bytes += packet  // duplicated
                case 2: packet[Int(random.next() % 188)] ^= UInt8(truncatingIfNeeded: random.next())
                case 3: bytes += (0..<Int(random.next() % 300)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                case 4: packet = Array(packet.prefix(Int(random.next() % 188)))
                default: break
                }
                bytes += packet
            }
            let (outputs, _) = Self.run(bytes, random: &random)
            // Whatever survives is still in decode order.
            let video = Support.samples(outputs, kind: .video)
            for (previous, next) in zip(video, video.dropFirst()) where next.dts <= previous.dts {
                Issue.record("video \(next.dts) after \(previous.dts)")
                break
            }
        }
    }
}
