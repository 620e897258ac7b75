import NIOCore
import Testing
@testable import RTMP

@Suite struct HandshakeTests {
    @Test func repliesWithS0S1S2EchoingC1ThenCompletesOnC2() throws {
        var random = SplitMix64(seed: 1)
        let c1 = random.bytes(RTMPHandshake.packetSize)
        var handshake = RTMPHandshake()
        var input = ByteBuffer(bytes: [3] + c1.prefix(1000))
        guard case .needMoreData = try handshake.advance(&input) else {
            Issue.record("expected to wait for the rest of C1")
            return
        }
        input.writeBytes(c1.dropFirst(1000))
        guard case .reply(let reply) = try handshake.advance(&input) else {
            Issue.record("expected S0S1S2")
            return
        }
        let bytes = Array(reply.readableBytesView)
        #expect(bytes.count == 1 + 2 * RTMPHandshake.packetSize)
        #expect(bytes[0] == 3)
        // S1's version field is zero: no digest handshake.
        #expect(bytes[5...8] == [0, 0, 0, 0])
        #expect(Array(bytes[(1 + RTMPHandshake.packetSize)...]) == c1)

        input.writeBytes(random.bytes(RTMPHandshake.packetSize))
        input.writeBytes([0xC4])
        guard case .complete = try handshake.advance(&input) else {
            Issue.record("expected completion")
            return
        }
        #expect(input.readableBytes == 1)
        #expect(handshake.state == .done)
    }

    @Test(arguments: [UInt8(6), 0x16, 0x47, 0])
    func otherVersionsAreRefusedAtOnce(version: UInt8) {
        var handshake = RTMPHandshake()
        var input = ByteBuffer(bytes: [version])
        #expect(throws: RTMPHandshakeError.unsupportedVersion(version)) { try handshake.advance(&input) }
    }
}
