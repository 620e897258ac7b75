import Logging
import NIOPosix
import Testing
import WeirCore
@testable import Host

/// Requests refused before they reach a handler are answered, counted by status and closed, like
/// every other response.
@Suite struct HTTPRefusalTests {
    static func withServer(maxRequestTarget: Int = 64, _ body: (RawHTTPClient, HTTPStatistics) async throws -> Void) async throws {
        var settings = HTTPLimits.Settings()
        settings.maxRequestTarget = maxRequestTarget
        let statistics = HTTPStatistics()
        var logger = Logger(label: "http-test")
        logger.logLevel = .critical
        let server = HTTPServer(
            address: ConfigAddress(host: "127.0.0.1", port: 0), limits: HTTPLimits(settings),
            responder: WebResponder(handlers: [], statistics: statistics),
            group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await server.start()
        guard let port = server.localPort else {
            await server.stop()
            throw RawHTTPClient.Failure.socket("no port")
        }
        do {
            try await body(RawHTTPClient(port: port), statistics)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func request(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func anOverLongRequestTargetIs414AndCounted() async throws {
        try await Self.withServer { client, statistics throws in
            let target = "/" + String(repeating: "x", count: 100)
            #expect(try await client.status(of: Self.request("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")) == 414)
            #expect(try await client.status(of: Self.request("GET /short HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")) == 404)
            #expect(statistics.statusCounts == [414: 1, 404: 1])
        }
    }

    @Test func anUnparsableRequestIs400AndCounted() async throws {
        try await Self.withServer { client, statistics throws in
            #expect(try await client.status(of: Self.request("GARBAGE\r\n\r\n")) == 400)
            #expect(try await client.status(of: Self.request("GET / HTTP/1.1\r\nHost a\r\n\r\n")) == 400)
            #expect(statistics.statusCounts == [400: 2])
        }
    }

    @Test func oversizedHeadersAre431AndCounted() async throws {
        try await Self.withServer { client, statistics throws in
            let huge = String(repeating: "v", count: 81 * 1024)
            #expect(try await client.status(of: Self.request("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(huge)\r\n\r\n")) == 431)
            #expect(statistics.statusCounts == [431: 1])
        }
    }

    @Test func aPipelinedRequestAfterAnAnsweredOneGetsItsOwn400() async throws {
        try await Self.withServer { client, statistics throws in
            let reply = try await client.exchange(Self.request("GET /a HTTP/1.1\r\nHost: a\r\n\r\nNOT HTTP AT ALL\r\n\r\n"))
            #expect(reply.hasPrefix("HTTP/1.1 404"))
            #expect(reply.contains("HTTP/1.1 400"))
            #expect(statistics.statusCounts == [404: 1, 400: 1])
        }
    }

    @Test func anUploadNoModuleTakesIsCounted() async throws {
        try await Self.withServer { client, statistics throws in
            #expect(try await client.status(of: Self.request("PUT /ingest/live/a.ts HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc")) == 404)
            #expect(statistics.statusCounts == [404: 1])
        }
    }
}
