import FuzzTargets

/// libFuzzer's entry point: one input through the AAC configuration parsers.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzAudioConfig(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@main
enum AudioConfigFuzzer {
    static func main() {
        FuzzDriver.run(testOneInput)
    }
}
