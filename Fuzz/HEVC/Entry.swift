import FuzzTargets

/// libFuzzer's entry point: one input through the H.265 parameter set parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzHEVC(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum HEVCFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
