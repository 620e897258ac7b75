import FuzzTargets

/// libFuzzer's entry point: one input through the FLV tag parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzFLVTag(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum FLVTagFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
