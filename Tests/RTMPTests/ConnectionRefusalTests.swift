import Testing
import WeirCore
@testable import RTMP

/// Connections the listener closes before a publish are counted by reason, for the host's metrics.
@Suite struct ConnectionRefusalTests {
    @Test func connectionsOverThePerAddressLimitAreCounted() async throws {
        let configuration = RTMPServer.Configuration(listen: ConfigAddress(host: "127.0.0.1", port: 0), maxConnectionsPerAddress: 2)
        try await withServer(configuration: configuration) { server, port in
            let first = try RawRTMPClient(port: port)
            try first.handshake()
            let second = try RawRTMPClient(port: port)
            try second.handshake()
            let third = try RawRTMPClient(port: port)
            #expect(third.waitForClose())
            #expect(server.refusals[RTMPServer.Refusal.perAddress.rawValue] == 1)
            #expect(server.refusals[RTMPServer.Refusal.handshakeTimeout.rawValue] == 0)

            // A slot freed by a client leaving admits the next one again.
            first.close()
            #expect(first.waitForClose())
            var admitted = false
            for _ in 0..<50 where !admitted {
                try await Task.sleep(for: .milliseconds(20))
                if server.sessionCount < 2 {
                    let fourth = try RawRTMPClient(port: port)
                    try fourth.handshake()
                    admitted = true
                }
            }
            #expect(admitted)
            #expect(server.refusals[RTMPServer.Refusal.perAddress.rawValue] == 1)
        }
    }

    @Test func handshakeTimeoutsAreCounted() async throws {
        let configuration = RTMPServer.Configuration(
            listen: ConfigAddress(host: "127.0.0.1", port: 0), handshakeTimeout: .milliseconds(200), idleTimeout: nil)
        try await withServer(configuration: configuration) { server, port in
            let shaken = try RawRTMPClient(port: port)
            try shaken.handshake()
            let silent = try RawRTMPClient(port: port)
            #expect(silent.waitForClose())
            #expect(server.refusals[RTMPServer.Refusal.handshakeTimeout.rawValue] == 1)
            #expect(server.refusals[RTMPServer.Refusal.perAddress.rawValue] == 0)
            // The client that completed its handshake outlives the timeout and is not counted.
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.sessionCount == 1)
            #expect(server.refusals[RTMPServer.Refusal.handshakeTimeout.rawValue] == 1)
        }
    }
}
