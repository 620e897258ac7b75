import NIOCore
import Testing
import WeirFormats

@Suite struct AACAudioSpecificConfigTests {
    @Test func parsesFFmpegLCStereo() throws {
        // ffmpeg's FLV AAC sequence header: LC 44.1 kHz stereo, then a backward-compatible
        // SBR sync extension (0x2b7, object type 5, sbrPresentFlag 0) that is kept but not interpreted.
        let asc = try AudioSpecificConfig(parsing: fixtureBytes("121056e500"))
        #expect(asc.objectType == 2)
        #expect(asc.samplingFrequencyIndex == 4)
        #expect(asc.sampleRate == 44100)
        #expect(asc.channelConfiguration == 2)
        #expect(asc.channelCount == 2)
        #expect(!asc.frameLengthFlag)
        #expect(asc.samplesPerFrame == 1024)
        #expect(asc.codecString == "mp4a.40.2")
        #expect(asc.bytes == fixtureBytes("121056e500"))
    }

    @Test func parsesCommonConfigurations() throws {
        let mono48k = try AudioSpecificConfig(parsing: fixtureBuffer("1188"))
        #expect(mono48k.sampleRate == 48000)
        #expect(mono48k.channelCount == 1)

        let surround = try AudioSpecificConfig(parsing: fixtureBytes("11b0"))  // 48 kHz, configuration 6 (5.1)
        #expect(surround.channelCount == 6)

        let sevenOne = try AudioSpecificConfig(parsing: fixtureBytes("11b8"))  // configuration 7 is 7.1
        #expect(sevenOne.channelCount == 8)

        let frames960 = try AudioSpecificConfig(parsing: fixtureBytes("118c"))  // 48 kHz mono, frameLengthFlag
        #expect(frames960.frameLengthFlag)
        #expect(frames960.samplesPerFrame == 960)
    }

    @Test func parsesExplicitHEAAC() throws {
        // Object type 5 at 24 kHz, stereo, extension rate 48 kHz, core object type 2.
        let asc = try AudioSpecificConfig(parsing: fixtureBytes("2b118800"))
        #expect(asc.objectType == 5)
        #expect(asc.sampleRate == 24000)
        #expect(asc.extensionSampleRate == 48000)
        #expect(asc.coreObjectType == 2)
        #expect(asc.channelCount == 2)
        #expect(asc.codecString == "mp4a.40.5")
        #expect(asc.samplesPerFrame == 1024)
    }

    @Test func parsesParametricStereoAsTwoChannels() throws {
        // Object type 29, 24 kHz mono core, extension 48 kHz, core type 2.
        var writer = BitWriter()
        writer.write(29, bits: 5)
        writer.write(6, bits: 4)
        writer.write(1, bits: 4)
        writer.write(3, bits: 4)
        writer.write(2, bits: 5)
        writer.write(0, bits: 3)
        let asc = try AudioSpecificConfig(parsing: writer.bytes)
        #expect(asc.channelConfiguration == 1)
        #expect(asc.channelCount == 2)
        #expect(asc.codecString == "mp4a.40.29")
    }

    @Test func readsEscapedObjectTypesAndExplicitFrequencies() throws {
        // Object type 31 escape + 10 (42), explicit frequency 12345 Hz, one channel.
        let asc = try AudioSpecificConfig(parsing: fixtureBytes("f95e00607220"))
        #expect(asc.objectType == 42)
        #expect(asc.samplingFrequencyIndex == nil)
        #expect(asc.sampleRate == 12345)
        #expect(asc.channelCount == 1)
        #expect(asc.codecString == "mp4a.40.42")
    }

    @Test func countsChannelsOfAProgramConfigElement() throws {
        var writer = BitWriter()
        writer.write(2, bits: 5)  // AAC-LC
        writer.write(3, bits: 4)  // 48 kHz
        writer.write(0, bits: 4)  // channels from the PCE
        writer.write(0, bits: 3)  // frameLengthFlag, dependsOnCoreCoder, extensionFlag
        writer.write(0, bits: 4)  // element_instance_tag
        writer.write(1, bits: 2)  // object_type
        writer.write(3, bits: 4)  // sampling_frequency_index
        writer.write(2, bits: 4)  // front elements
        writer.write(0, bits: 4)  // side elements
        writer.write(1, bits: 4)  // back elements
        writer.write(1, bits: 2)  // LFE elements
        writer.write(0, bits: 3)  // assoc data
        writer.write(0, bits: 4)  // valid cc
        writer.write(0, bits: 3)  // no mixdowns
        writer.writeFlag(false)  // front SCE (centre)
        writer.write(0, bits: 4)
        writer.writeFlag(true)  // front CPE (left, right)
        writer.write(1, bits: 4)
        writer.writeFlag(true)  // back CPE (surrounds)
        writer.write(2, bits: 4)
        writer.write(0, bits: 4)  // LFE tag
        let asc = try AudioSpecificConfig(parsing: writer.bytes)
        #expect(asc.channelConfiguration == 0)
        #expect(asc.channelCount == 6)
    }

    @Test func buildsConfigurationsForADTS() throws {
        let lc = try AudioSpecificConfig(objectType: 2, sampleRate: 44100, channels: 2)
        #expect(lc.bytes == fixtureBytes("1210"))
        let mono = try AudioSpecificConfig(objectType: 2, sampleRate: 48000, channels: 1)
        #expect(mono.bytes == fixtureBytes("1188"))
        let eight = try AudioSpecificConfig(objectType: 2, sampleRate: 48000, channels: 8)
        #expect(eight.channelConfiguration == 7)
        #expect(eight.channelCount == 8)

        let odd = try AudioSpecificConfig(objectType: 1, sampleRate: 12345, channels: 1)
        #expect(odd.samplingFrequencyIndex == nil)
        #expect(odd.sampleRate == 12345)
        #expect(try AudioSpecificConfig(parsing: odd.bytes) == odd)

        var buffer = ByteBuffer()
        lc.write(to: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x12, 0x10])

        #expect(throws: CodecError.unsupported("7 channels")) {
            try AudioSpecificConfig(objectType: 2, sampleRate: 48000, channels: 7)
        }
        #expect(throws: CodecError.unsupported("object type 5")) {
            try AudioSpecificConfig(objectType: 5, sampleRate: 48000, channels: 2)
        }
        #expect(throws: CodecError.invalidValue("sample rate 0")) {
            try AudioSpecificConfig(objectType: 2, sampleRate: 0, channels: 2)
        }
    }

    @Test func rejectsMalformedConfigurations() {
        #expect(throws: CodecError.truncated("AudioSpecificConfig")) {
            try AudioSpecificConfig(parsing: [UInt8]())
        }
        #expect(throws: CodecError.truncated("AudioSpecificConfig")) {
            try AudioSpecificConfig(parsing: fixtureBytes("12"))
        }
        #expect(throws: CodecError.invalidValue("samplingFrequencyIndex 13")) {
            try AudioSpecificConfig(parsing: fixtureBytes("16 90"))
        }
        #expect(throws: CodecError.invalidValue("channelConfiguration 8")) {
            try AudioSpecificConfig(parsing: fixtureBytes("12 40"))
        }
        // Configuration 0 with a program config element cut short.
        #expect(throws: CodecError.truncated("AudioSpecificConfig")) {
            try AudioSpecificConfig(parsing: fixtureBytes("11 80 04"))
        }
    }

    @Test func survivesMutatedInput() {
        var random = FixtureRandom(seed: 0xAAC)
        var parsed = 0
        for seed in ["121056e500", "2b118800", "f95e00607220"] {
            for bytes in random.mutations(of: fixtureBytes(seed), count: 2_000) {
                guard let asc = try? AudioSpecificConfig(parsing: bytes) else { continue }
                parsed += 1
                #expect(asc.sampleRate > 0)
                #expect(asc.channelCount > 0)
                #expect(asc.bytes == bytes)
            }
        }
        // Some mutations must stay valid, or the checks above never run.
        #expect(parsed > 0)
    }
}
