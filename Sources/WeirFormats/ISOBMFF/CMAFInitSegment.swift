public import NIOCore

/// Builds the CMAF header (init segment) of a single-track fragmented MP4: `ftyp` and `moov`.
///
/// The `moov` has empty sample tables and an `mvex`, so all samples come in fragments.
public enum CMAFInitSegment {
    /// The major brand in `ftyp`.
    public static let majorBrand: BoxType = "iso6"
    /// The compatible brands in `ftyp`: ISO base media v6, CMAF, and the generic MP4 brands
    /// that browsers and ffmpeg look for.
    public static let compatibleBrands: [BoxType] = ["iso6", "cmfc", "isom", "mp41"]

    /// Writes the init segment for one track.
    ///
    /// - Parameters:
    ///   - track: The track to describe.
    /// - Returns: `ftyp` followed by `moov`.
    /// - Throws: when the codec configuration is too large for its box.
    public static func make(_ track: CMAFTrackDescription) throws(BoxWriterError) -> ByteBuffer {
        var writer = BoxWriter(buffer: ByteBuffer())
        writer.buffer.reserveCapacity(1024)
        writer.box("ftyp") { w in
            w.write(majorBrand)
            w.write(UInt32(0))
            for brand in compatibleBrands {
                w.write(brand)
            }
        }
        writer.box("moov") { w in
            writeMovieHeader(track, into: &w)
            w.box("trak") { w in
                writeTrackHeader(track, into: &w)
                w.box("mdia") { w in
                    writeMedia(track, into: &w)
                }
            }
            w.box("mvex") { w in
                w.fullBox("trex", version: 0, flags: 0) { w in
                    w.buffer.writeMultipleIntegers(
                        track.trackID,
                        UInt32(1),  // default_sample_description_index
                        UInt32(0),  // default_sample_duration
                        UInt32(0),  // default_sample_size
                        UInt32(0)  // default_sample_flags
                    )
                }
            }
        }
        if let failure = writer.failure { throw failure }
        return writer.buffer
    }

    private static func writeMovieHeader(_ track: CMAFTrackDescription, into w: inout BoxWriter) {
        w.fullBox("mvhd", version: 0, flags: 0) { w in
            w.buffer.writeMultipleIntegers(
                UInt32(0),  // creation_time
                UInt32(0),  // modification_time
                track.timescale,
                UInt32(0),  // duration: unknown, the movie is fragmented
                UInt32(0x0001_0000),  // rate 1.0
                UInt16(0x0100)  // volume 1.0
            )
            w.writeZeros(2 + 8)  // reserved
            w.writeUnityMatrix()
            w.writeZeros(24)  // pre_defined
            // All ones would ask a muxer to search for a free ID; never produce it by overflow.
            w.write(track.trackID == UInt32.max ? UInt32.max : track.trackID + 1)
        }
    }

    private static func writeTrackHeader(_ track: CMAFTrackDescription, into w: inout BoxWriter) {
        // flags: track_enabled | track_in_movie
        w.fullBox("tkhd", version: 0, flags: 0x000003) { w in
            w.buffer.writeMultipleIntegers(
                UInt32(0),  // creation_time
                UInt32(0),  // modification_time
                track.trackID,
                UInt32(0),  // reserved
                UInt32(0)  // duration
            )
            w.writeZeros(8)  // reserved
            w.buffer.writeMultipleIntegers(
                UInt16(0),  // layer
                UInt16(0),  // alternate_group
                track.sampleEntry.isVideo ? UInt16(0) : UInt16(0x0100),  // volume
                UInt16(0)  // reserved
            )
            w.writeUnityMatrix()
            let (width, height) = track.sampleEntry.displaySize
            w.write(UInt32(width) << 16)
            w.write(UInt32(height) << 16)
        }
    }

    private static func writeMedia(_ track: CMAFTrackDescription, into w: inout BoxWriter) {
        w.fullBox("mdhd", version: 0, flags: 0) { w in
            w.buffer.writeMultipleIntegers(
                UInt32(0),  // creation_time
                UInt32(0),  // modification_time
                track.timescale,
                UInt32(0),  // duration
                track.packedLanguage,
                UInt16(0)  // pre_defined
            )
        }
        let isVideo = track.sampleEntry.isVideo
        w.fullBox("hdlr", version: 0, flags: 0) { w in
            w.write(UInt32(0))  // pre_defined
            let handlerType: BoxType = isVideo ? "vide" : "soun"
            w.write(handlerType)
            w.writeZeros(12)  // reserved
            w.write(bytes: Array((isVideo ? "VideoHandler" : "SoundHandler").utf8))
            w.write(UInt8(0))
        }
        w.box("minf") { w in
            if isVideo {
                // flags 1 is required by the specification for vmhd.
                w.fullBox("vmhd", version: 0, flags: 0x000001) { w in
                    w.writeZeros(8)  // graphicsmode, opcolor
                }
            } else {
                w.fullBox("smhd", version: 0, flags: 0) { w in
                    w.writeZeros(4)  // balance, reserved
                }
            }
            w.box("dinf") { w in
                w.fullBox("dref", version: 0, flags: 0) { w in
                    w.write(UInt32(1))
                    // flags 1: the media data is in this file.
                    w.fullBox("url ", version: 0, flags: 0x000001) { _ in }
                }
            }
            w.box("stbl") { w in
                w.fullBox("stsd", version: 0, flags: 0) { w in
                    w.write(UInt32(1))
                    writeSampleEntry(track.sampleEntry, into: &w)
                }
                w.fullBox("stts", version: 0, flags: 0) { $0.write(UInt32(0)) }
                w.fullBox("stsc", version: 0, flags: 0) { $0.write(UInt32(0)) }
                w.fullBox("stsz", version: 0, flags: 0) { $0.write(UInt64(0)) }  // sample_size, sample_count
                w.fullBox("stco", version: 0, flags: 0) { $0.write(UInt32(0)) }
            }
        }
    }
}
