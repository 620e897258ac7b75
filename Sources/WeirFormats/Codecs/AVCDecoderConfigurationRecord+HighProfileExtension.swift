import NIOCore

extension AVCDecoderConfigurationRecord {
    /// The avcC fields that follow the PPS list for the high profiles.
    public struct HighProfileExtension: Sendable, Hashable {
        /// `chroma_format`.
        public let chromaFormat: UInt8
        /// `bit_depth_luma_minus8`.
        public let bitDepthLumaMinus8: UInt8
        /// `bit_depth_chroma_minus8`.
        public let bitDepthChromaMinus8: UInt8
        /// The SPS extension NAL units.
        public let sequenceParameterSetExtensions: [[UInt8]]

        /// Creates an extension.
        ///
        /// - Parameters:
        ///   - chromaFormat: 0 through 3.
        ///   - bitDepthLumaMinus8: 0 through 7.
        ///   - bitDepthChromaMinus8: 0 through 7.
        ///   - sequenceParameterSetExtensions: At most 255 units of at most 65535 bytes.
        public init(
            chromaFormat: UInt8,
            bitDepthLumaMinus8: UInt8,
            bitDepthChromaMinus8: UInt8,
            sequenceParameterSetExtensions: [[UInt8]]
        ) {
            self.chromaFormat = chromaFormat & 0x03
            self.bitDepthLumaMinus8 = bitDepthLumaMinus8 & 0x07
            self.bitDepthChromaMinus8 = bitDepthChromaMinus8 & 0x07
            self.sequenceParameterSetExtensions = Array(
                sequenceParameterSetExtensions.prefix(255).filter { $0.count <= Int(UInt16.max) }
            )
        }

        init(parsing input: inout ByteBuffer) throws(CodecError) {
            guard let chroma = input.readInteger(as: UInt8.self),
                let luma = input.readInteger(as: UInt8.self),
                let chromaDepth = input.readInteger(as: UInt8.self),
                let count = input.readInteger(as: UInt8.self)
            else { throw .truncated("avcC extension") }
            let extensions = try AVCDecoderConfigurationRecord.readParameterSets(
                &input,
                count: Int(count),
                name: "avcC SPS extension"
            )
            self.init(
                chromaFormat: chroma,
                bitDepthLumaMinus8: luma,
                bitDepthChromaMinus8: chromaDepth,
                sequenceParameterSetExtensions: extensions
            )
        }

        func write(to buffer: inout ByteBuffer) {
            buffer.writeInteger(UInt8(0xFC | chromaFormat))
            buffer.writeInteger(UInt8(0xF8 | bitDepthLumaMinus8))
            buffer.writeInteger(UInt8(0xF8 | bitDepthChromaMinus8))
            buffer.writeInteger(UInt8(sequenceParameterSetExtensions.count))
            for unit in sequenceParameterSetExtensions {
                buffer.writeInteger(UInt16(unit.count))
                buffer.writeBytes(unit)
            }
        }
    }
}
