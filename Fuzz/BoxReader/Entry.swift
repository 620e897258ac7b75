import FuzzTargets

/// libFuzzer's entry point: one input through the ISO-BMFF box reader.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzBoxReader(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum BoxReaderFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
