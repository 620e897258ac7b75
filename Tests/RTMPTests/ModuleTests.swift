import NIOCore
import Testing
import WeirCore
@testable import RTMP

@Suite struct ModuleTests {
    @Test func descriptorDeclaresTheGlobalOptionsWithValidDefaults() {
        let descriptor = RTMPModule.descriptor
        #expect(descriptor.name == "rtmp")
        #expect(descriptor.kind == .ingest)
        #expect(descriptor.options.isEmpty)
        #expect(descriptor.globalOptions.map(\.name) == ["listen", "chunk_size", "max_message_size", "handshake_timeout", "idle_timeout", "max_connections_per_address"])
        for spec in descriptor.globalOptions {
            let value = spec.defaultValue
            #expect(value.map(spec.type.accepts) == true, "default of \(spec.name)")
            #expect(!spec.doc.isEmpty)
        }
        #expect(descriptor.globalOptions.first?.reload == .restart)
    }

    @Test func configurationReadsDefaultsAndOverrides() throws {
        let defaults = RTMPServer.Configuration(options: OptionValues(specs: RTMPModule.descriptor.globalOptions))
        #expect(defaults == RTMPServer.Configuration())
        #expect(defaults.listen == ConfigAddress(host: "0.0.0.0", port: 1935))
        #expect(defaults.chunkSize == 4096)
        #expect(defaults.maxMessageSize == 8 * 1024 * 1024)
        #expect(defaults.handshakeTimeout == .seconds(10))
        #expect(defaults.idleTimeout == .seconds(30))

        let options = OptionValues(specs: RTMPModule.descriptor.globalOptions, values: [
            "listen": .address(try ConfigAddress(parsing: "127.0.0.1:19350")),
            "chunk_size": .integer(60000),
            "idle_timeout": .duration(.zero),
            "handshake_timeout": .duration(.milliseconds(1500)),
        ])
        let configuration = RTMPServer.Configuration(options: options)
        #expect(configuration.listen.port == 19350)
        #expect(configuration.chunkSize == 60000)
        #expect(configuration.idleTimeout == nil)
        #expect(configuration.handshakeTimeout == .milliseconds(1500))
        // Absent keys fall back to the schema defaults even in a bare mapping.
        #expect(RTMPServer.Configuration(options: OptionValues()) == defaults)
    }

    @Test func metadataFrameRatesBecomeExactFractions() {
        var metadata = RTMPStreamMetadata()
        metadata.frameRate = 30
        #expect(metadata.exactFrameRate == FrameRate(frames: 30, per: 1))
        metadata.frameRate = 29.97002997
        #expect(metadata.exactFrameRate == FrameRate(frames: 30000, per: 1001))
        metadata.frameRate = 23.976
        #expect(metadata.exactFrameRate == FrameRate(frames: 24000, per: 1001))
        metadata.frameRate = 12.5
        #expect(metadata.exactFrameRate == FrameRate(frames: 12500, per: 1000))
        metadata.frameRate = 0
        #expect(metadata.exactFrameRate == nil)
    }
}
