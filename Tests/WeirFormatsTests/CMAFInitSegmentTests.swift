import NIOCore
import Testing
import WeirFormats

@Suite struct CMAFInitSegmentTests {
    static let avcC: [UInt8] = [
        0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F, 0x01, 0x00, 0x02, 0x68, 0xEE,
    ]

    private func payloadBytes(_ box: ParsedBox) -> [UInt8] {
        Array(box.payload.readableBytesView)
    }

    private func u16(_ box: ParsedBox, _ at: Int) -> UInt16? {
        box.payload.getInteger(at: box.payload.readerIndex + at, as: UInt16.self)
    }

    private func u32(_ box: ParsedBox, _ at: Int) -> UInt32? {
        box.payload.getInteger(at: box.payload.readerIndex + at, as: UInt32.self)
    }

    @Test func videoInitSegmentHasEveryBox() throws {
        let track = CMAFTrackDescription(
            trackID: 3,
            timescale: 90_000,
            sampleEntry: .avc1(avcC: Self.avcC, width: 1280, height: 720)
        )
        let buffer = try CMAFInitSegment.make(track)
        let boxes = try BoxReader().parse(buffer)
        #expect(boxes.map(\.type) == ["ftyp", "moov"])
        #expect(boxes.reduce(0) { $0 + $1.size } == buffer.readableBytes)

        let ftyp = try #require(boxes.first("ftyp"))
        var brands: [BoxType] = []
        var ftypPayload = ftyp.payload
        while let brand = ftypPayload.readInteger(as: UInt32.self) {
            brands.append(BoxType(rawValue: brand))
        }
        // major brand, minor version 0, compatible brands
        #expect(brands == ["iso6", BoxType(rawValue: 0), "iso6", "cmfc", "isom", "mp41"])

        let moov = try #require(boxes.first("moov"))
        #expect(moov.children.map(\.type) == ["mvhd", "trak", "mvex"])

        let mvhd = try #require(moov.child("mvhd"))
        #expect(try mvhd.fullBoxHeader() == (0, 0))
        #expect(mvhd.payload.readableBytes == 100)
        #expect(u32(mvhd, 12) == 90_000)  // timescale
        #expect(u32(mvhd, 16) == 0)  // duration
        #expect(u32(mvhd, 20) == 0x0001_0000)  // rate
        #expect(u32(mvhd, 96) == 4)  // next_track_ID

        let trak = try #require(moov.child("trak"))
        #expect(trak.children.map(\.type) == ["tkhd", "mdia"])
        let tkhd = try #require(trak.child("tkhd"))
        #expect(try tkhd.fullBoxHeader() == (0, 3))
        #expect(try tkhd.tkhdTrackID() == 3)
        #expect(tkhd.payload.readableBytes == 84)
        #expect(u32(tkhd, 16) == 0)  // duration
        #expect(u16(tkhd, 36) == 0)  // volume
        #expect(u32(tkhd, 40) == 0x0001_0000)  // matrix a
        #expect(u32(tkhd, 76) == 1280 << 16)
        #expect(u32(tkhd, 80) == 720 << 16)

        let mdia = try #require(trak.child("mdia"))
        #expect(mdia.children.map(\.type) == ["mdhd", "hdlr", "minf"])
        let mdhd = try #require(mdia.child("mdhd"))
        #expect(try mdhd.mdhdTimescale() == 90_000)
        #expect(u32(mdhd, 16) == 0)  // duration
        #expect(u16(mdhd, 20) == 0x55C4)  // "und"

        let hdlr = try #require(mdia.child("hdlr"))
        #expect(u32(hdlr, 8) == BoxType("vide").rawValue)
        #expect(Array(payloadBytes(hdlr).dropFirst(24)) == Array("VideoHandler".utf8) + [0])

        let minf = try #require(mdia.child("minf"))
        #expect(minf.children.map(\.type) == ["vmhd", "dinf", "stbl"])
        let vmhd = try #require(minf.child("vmhd"))
        #expect(try vmhd.fullBoxHeader() == (0, 1))
        #expect(vmhd.payload.readableBytes == 12)

        let dref = try #require(minf.find("dinf", "dref"))
        #expect(u32(dref, 4) == 1)
        let url = try #require(try BoxReader().parseChildren(of: dref, skipping: 8).first)
        #expect(url.type == "url ")
        #expect(try url.fullBoxHeader() == (0, 1))
        #expect(url.size == 12)

        let stbl = try #require(minf.child("stbl"))
        #expect(stbl.children.map(\.type) == ["stsd", "stts", "stsc", "stsz", "stco"])
        for type: BoxType in ["stts", "stsc", "stco"] {
            #expect(payloadBytes(try #require(stbl.child(type))) == [0, 0, 0, 0, 0, 0, 0, 0])
        }
        #expect(payloadBytes(try #require(stbl.child("stsz"))) == Array(repeating: 0, count: 12))

        let stsd = try #require(stbl.child("stsd"))
        #expect(u32(stsd, 4) == 1)
        let entries = try BoxReader().parseChildren(of: stsd, skipping: 8)
        #expect(entries.map(\.type) == ["avc1"])
        let avc1 = try #require(entries.first)
        #expect(payloadBytes(avc1).prefix(6) == [0, 0, 0, 0, 0, 0])
        #expect(u16(avc1, 6) == 1)  // data_reference_index
        #expect(u16(avc1, 24) == 1280)
        #expect(u16(avc1, 26) == 720)
        #expect(u32(avc1, 28) == 0x0048_0000)
        #expect(u32(avc1, 32) == 0x0048_0000)
        #expect(u16(avc1, 40) == 1)  // frame_count
        #expect(payloadBytes(avc1)[42..<74].allSatisfy { $0 == 0 })  // empty compressorname
        #expect(u16(avc1, 74) == 0x0018)  // depth
        #expect(u16(avc1, 76) == 0xFFFF)  // pre_defined -1
        let config = try BoxReader().parseChildren(of: avc1, skipping: 78)
        #expect(config.map(\.type) == ["avcC"])
        #expect(payloadBytes(try #require(config.first)) == Self.avcC)

        let trex = try #require(moov.find("mvex", "trex"))
        #expect(try trex.fullBoxHeader() == (0, 0))
        #expect(payloadBytes(trex) == [0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func audioInitSegmentHasSoundBoxesAndEsds() throws {
        let asc: [UInt8] = [0x11, 0x90]  // AAC-LC, 48 kHz, stereo
        let track = CMAFTrackDescription(
            trackID: 2,
            timescale: 48_000,
            sampleEntry: .mp4a(audioSpecificConfig: asc, sampleRate: 48_000, channelCount: 2),
            language: "eng"
        )
        let boxes = try BoxReader().parse(CMAFInitSegment.make(track))
        let trak = try #require(boxes.find("moov", "trak"))
        let tkhd = try #require(trak.child("tkhd"))
        #expect(try tkhd.tkhdTrackID() == 2)
        #expect(u16(tkhd, 36) == 0x0100)  // volume
        #expect(u32(tkhd, 76) == 0)
        #expect(u32(tkhd, 80) == 0)
        let mdhd = try #require(trak.find("mdia", "mdhd"))
        #expect(try mdhd.mdhdTimescale() == 48_000)
        #expect(u16(mdhd, 20) == UInt16(5 << 10 | 14 << 5 | 7))  // "eng"
        let hdlr = try #require(trak.find("mdia", "hdlr"))
        #expect(u32(hdlr, 8) == BoxType("soun").rawValue)
        #expect(Array(payloadBytes(hdlr).dropFirst(24)) == Array("SoundHandler".utf8) + [0])
        let minf = try #require(trak.find("mdia", "minf"))
        #expect(minf.children.map(\.type) == ["smhd", "dinf", "stbl"])
        #expect(payloadBytes(try #require(minf.child("smhd"))) == [0, 0, 0, 0, 0, 0, 0, 0])

        let stsd = try #require(minf.find("stbl", "stsd"))
        let mp4a = try #require(try BoxReader().parseChildren(of: stsd, skipping: 8).first)
        #expect(mp4a.type == "mp4a")
        #expect(u16(mp4a, 6) == 1)  // data_reference_index
        #expect(u16(mp4a, 16) == 2)  // channelcount
        #expect(u16(mp4a, 18) == 16)  // samplesize
        #expect(u32(mp4a, 24) == 48_000 << 16)
        let esds = try #require(try BoxReader().parseChildren(of: mp4a, skipping: 28).first)
        #expect(esds.type == "esds")
        #expect(try esds.fullBoxHeader() == (0, 0))

        let decoded = try #require(try ElementaryStreamDescriptor(esds: esds))
        #expect(decoded.objectTypeIndication == 0x40)
        #expect(decoded.streamType == 0x05)
        #expect(decoded.decoderSpecificInfo == asc)
        #expect(decoded.slConfigPredefined == 0x02)
    }

    @Test func highSampleRateIsLeftToTheAudioSpecificConfig() throws {
        let track = CMAFTrackDescription(
            timescale: 96_000,
            sampleEntry: .mp4a(audioSpecificConfig: [0x10, 0x08], sampleRate: 96_000, channelCount: 1)
        )
        let boxes = try BoxReader().parse(CMAFInitSegment.make(track))
        let stsd = try #require(boxes.find("moov", "trak", "mdia", "minf", "stbl", "stsd"))
        let mp4a = try #require(try BoxReader().parseChildren(of: stsd, skipping: 8).first)
        #expect(u32(mp4a, 24) == 0)
    }

    @Test(arguments: [
        (CMAFTrackDescription.SampleEntry.hvc1(hvcC: [1, 2, 3], width: 3840, height: 2160), "hvc1" as BoxType, "hvcC" as BoxType),
        (.av01(av1C: [0x81, 0x08, 0x0C, 0x00], width: 1920, height: 1080), "av01", "av1C"),
    ])
    func otherVideoCodecsUseTheirSampleEntry(entry: CMAFTrackDescription.SampleEntry, type: BoxType, configType: BoxType) throws {
        let boxes = try BoxReader().parse(CMAFInitSegment.make(CMAFTrackDescription(timescale: 90_000, sampleEntry: entry)))
        let stsd = try #require(boxes.find("moov", "trak", "mdia", "minf", "stbl", "stsd"))
        let sampleEntry = try #require(try BoxReader().parseChildren(of: stsd, skipping: 8).first)
        #expect(sampleEntry.type == type)
        let config = try #require(try BoxReader().parseChildren(of: sampleEntry, skipping: 78).first)
        #expect(config.type == configType)
        switch entry {
        case .hvc1(let bytes, _, _), .av01(let bytes, _, _):
            #expect(payloadBytes(config) == bytes)
        default:
            Issue.record("unexpected entry")
        }
        #expect(boxes.find("moov", "trak", "mdia", "minf", "vmhd") != nil)
    }

    @Test func invalidLanguageIsWrittenAsUndetermined() throws {
        for language in ["english", "EN", "e1g", ""] {
            let track = CMAFTrackDescription(
                timescale: 1000,
                sampleEntry: .mp4a(audioSpecificConfig: [0x12, 0x10], sampleRate: 44_100, channelCount: 2),
                language: language
            )
            let boxes = try BoxReader().parse(CMAFInitSegment.make(track))
            let mdhd = try #require(boxes.find("moov", "trak", "mdia", "mdhd"))
            #expect(u16(mdhd, 20) == 0x55C4)
        }
    }

    @Test func maximumTrackIDDoesNotOverflowNextTrackID() throws {
        let track = CMAFTrackDescription(trackID: .max, timescale: 1000, sampleEntry: .avc1(avcC: [], width: 2, height: 2))
        let boxes = try BoxReader().parse(CMAFInitSegment.make(track))
        let mvhd = try #require(boxes.find("moov", "mvhd"))
        #expect(u32(mvhd, 96) == .max)
    }
}

/// The parts of an ES_Descriptor (ISO/IEC 14496-1) that matter for AAC in MP4.
struct ElementaryStreamDescriptor {
    var objectTypeIndication: UInt8 = 0
    var streamType: UInt8 = 0
    var decoderSpecificInfo: [UInt8] = []
    var slConfigPredefined: UInt8?

    /// Decodes the descriptors inside an `esds` box; nil when they are not well formed.
    init?(esds: ParsedBox) throws {
        var bytes = esds.payload
        guard bytes.readInteger(as: UInt32.self) != nil,  // version and flags
            let (tag, body) = Self.readDescriptor(&bytes), tag == 0x03
        else { return nil }
        var es = body
        guard es.readInteger(as: UInt16.self) != nil, let flags = es.readInteger(as: UInt8.self), flags == 0 else {
            return nil
        }
        while es.readableBytes > 0 {
            guard let (tag, body) = Self.readDescriptor(&es) else { return nil }
            var inner = body
            switch tag {
            case 0x04:
                guard let oti = inner.readInteger(as: UInt8.self), let type = inner.readInteger(as: UInt8.self),
                    inner.readBytes(length: 11) != nil
                else { return nil }
                objectTypeIndication = oti
                streamType = type >> 2
                guard let (dsiTag, dsi) = Self.readDescriptor(&inner), dsiTag == 0x05 else { return nil }
                decoderSpecificInfo = Array(dsi.readableBytesView)
            case 0x06:
                slConfigPredefined = inner.readInteger(as: UInt8.self)
            default:
                break
            }
        }
    }

    static func readDescriptor(_ buffer: inout ByteBuffer) -> (UInt8, ByteBuffer)? {
        guard let tag = buffer.readInteger(as: UInt8.self) else { return nil }
        var length = 0
        for _ in 0..<4 {
            guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
            length = length << 7 | Int(byte & 0x7F)
            if byte & 0x80 == 0 { break }
        }
        guard let body = buffer.readSlice(length: length) else { return nil }
        return (tag, body)
    }
}
