import FuzzTargets

/// libFuzzer's entry point: one input through the H.264 parameter set parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzH264(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum H264Fuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
