import FuzzTargets

/// libFuzzer's entry point: one input through the RTMP handshake and chunk decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRTMPChunk(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum RTMPChunkFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
