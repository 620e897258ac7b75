public import Logging

extension MPEGTSPublisher {
    /// Logs what a TS ingest reports, the same way for every transport.
    public static func log(_ notices: [Notice], to logger: Logger) {
        for notice in notices {
            switch notice {
            case .program(let streams, let skipped):
                let described = streams.map { "\($0.streamType)@\($0.pid)" }.joined(separator: ", ")
                logger.info("TS program", metadata: ["streams": "\(described)"])
                for stream in skipped {
                    logger.notice("skipping a stream Weir does not package", metadata: ["stream_type": "\(stream.streamType)", "pid": "\(stream.pid)"])
                }
            case .format(let kind, let format):
                var metadata: Logger.Metadata = ["codec": "\(format.codecString)"]
                if kind == .video {
                    metadata["size"] = "\(format.width)x\(format.height)"
                } else {
                    metadata["sample_rate"] = "\(format.sampleRate)"
                    metadata["channels"] = "\(format.channelCount)"
                }
                logger.info("\(kind.rawValue) format", metadata: metadata)
            case .unusableFormat(let kind, let problem):
                logger.warning("ignoring unusable \(kind.rawValue) format", metadata: ["error": "\(problem)"])
            case .missingTrack(let kind):
                logger.warning("the route declares no \(kind.rawValue) track; dropping \(kind.rawValue)")
            case .discontinuity:
                logger.info("timestamp discontinuity; marking one in the stream")
            }
        }
    }
}
