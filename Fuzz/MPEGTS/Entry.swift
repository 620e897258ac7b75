import FuzzTargets

/// libFuzzer's entry point: one input through the MPEG-TS demuxer.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzMPEGTS(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum MPEGTSFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
