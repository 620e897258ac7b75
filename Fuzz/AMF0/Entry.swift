import FuzzTargets

/// libFuzzer's entry point: one input through the AMF0 decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzAMF0(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum AMF0Fuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
