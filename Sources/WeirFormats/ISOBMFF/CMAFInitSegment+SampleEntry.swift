extension CMAFInitSegment {
    /// Writes the sample entry inside `stsd`: a VisualSampleEntry or an AudioSampleEntry with its codec box.
    static func writeSampleEntry(_ entry: CMAFTrackDescription.SampleEntry, into w: inout BoxWriter) {
        switch entry {
        case .avc1(let avcC, let width, let height):
            writeVisualSampleEntry("avc1", width: width, height: height, configType: "avcC", config: avcC, into: &w)
        case .hvc1(let hvcC, let width, let height):
            writeVisualSampleEntry("hvc1", width: width, height: height, configType: "hvcC", config: hvcC, into: &w)
        case .av01(let av1C, let width, let height):
            writeVisualSampleEntry("av01", width: width, height: height, configType: "av1C", config: av1C, into: &w)
        case .mp4a(let audioSpecificConfig, let sampleRate, let channelCount):
            writeAudioSampleEntry(
                audioSpecificConfig: audioSpecificConfig,
                sampleRate: sampleRate,
                channelCount: channelCount,
                into: &w
            )
        }
    }

    private static func writeVisualSampleEntry(
        _ type: BoxType,
        width: UInt16,
        height: UInt16,
        configType: BoxType,
        config: [UInt8],
        into w: inout BoxWriter
    ) {
        w.box(type) { w in
            w.writeZeros(6)  // reserved
            w.write(UInt16(1))  // data_reference_index
            w.writeZeros(16)  // pre_defined, reserved, pre_defined[3]
            w.buffer.writeMultipleIntegers(
                width,
                height,
                UInt32(0x0048_0000),  // horizresolution 72 dpi
                UInt32(0x0048_0000),  // vertresolution 72 dpi
                UInt32(0),  // reserved
                UInt16(1)  // frame_count
            )
            w.writeZeros(32)  // compressorname: an empty counted string
            w.write(UInt16(0x0018))  // depth: colour, no alpha
            w.write(Int16(-1))  // pre_defined
            w.box(configType) { $0.write(bytes: config) }
        }
    }

    private static func writeAudioSampleEntry(
        audioSpecificConfig: [UInt8],
        sampleRate: UInt32,
        channelCount: UInt16,
        into w: inout BoxWriter
    ) {
        w.box("mp4a") { w in
            w.writeZeros(6)  // reserved
            w.write(UInt16(1))  // data_reference_index
            w.writeZeros(8)  // reserved
            w.buffer.writeMultipleIntegers(
                channelCount,
                UInt16(16),  // samplesize
                UInt16(0),  // pre_defined
                UInt16(0),  // reserved
                // 16.16 fixed point; rates that do not fit are carried by the AudioSpecificConfig alone.
                sampleRate <= UInt32(UInt16.max) ? sampleRate << 16 : 0
            )
            w.fullBox("esds", version: 0, flags: 0) { w in
                writeElementaryStreamDescriptor(audioSpecificConfig: audioSpecificConfig, into: &w)
            }
        }
    }

    /// Writes an ES_Descriptor for AAC (ISO/IEC 14496-1 and 14496-14).
    private static func writeElementaryStreamDescriptor(audioSpecificConfig: [UInt8], into w: inout BoxWriter) {
        w.descriptor(tag: 0x03) { w in  // ES_DescrTag
            w.write(UInt16(0))  // ES_ID: 0 inside an MP4 file
            w.write(UInt8(0))  // no stream dependence, URL or OCR stream; priority 0
            w.descriptor(tag: 0x04) { w in  // DecoderConfigDescrTag
                w.write(UInt8(0x40))  // objectTypeIndication: MPEG-4 Audio
                w.write(UInt8(0x05 << 2 | 0x01))  // streamType audio, upStream 0, reserved 1
                w.writeZeros(3)  // bufferSizeDB
                w.write(UInt32(0))  // maxBitrate
                w.write(UInt32(0))  // avgBitrate
                w.descriptor(tag: 0x05) { w in  // DecSpecificInfoTag
                    w.write(bytes: audioSpecificConfig)
                }
            }
            w.descriptor(tag: 0x06) { w in  // SLConfigDescrTag
                w.write(UInt8(0x02))  // predefined: reserved for MP4 files
            }
        }
    }
}
