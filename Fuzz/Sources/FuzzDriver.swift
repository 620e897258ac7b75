#if WEIR_FUZZING
import CLibFuzzer
#endif
import Foundation

/// The `main` of every fuzzer executable.
///
/// In the fuzzer build (`make fuzz`: `-sanitize=fuzzer -DWEIR_FUZZING`) it hands the command
/// line to libFuzzer's driver. SwiftPM renames an executable's entry point and aliases `main`
/// to it, so libFuzzer's own `main` cannot be used; `LLVMFuzzerRunDriver` is the documented way
/// in when the program keeps its `main`. In an ordinary build there is no libFuzzer: the same
/// executable replays the files and directories named on its command line through the target,
/// which reproduces a crash with a debug build and a full backtrace.
public enum FuzzDriver {
    /// The signature of `LLVMFuzzerTestOneInput`.
    public typealias Callback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

    /// Runs libFuzzer, or replays inputs without it.
    ///
    /// - Parameters:
    ///   - callback: The executable's `LLVMFuzzerTestOneInput`.
    public static func run(_ callback: Callback) -> Never {
        #if WEIR_FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
        #else
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE-OR-DIRECTORY...\n".utf8))
            exit(2)
        }
        var count = 0
        for path in paths {
            for file in FuzzCorpus.files(at: path) {
                let bytes = FuzzCorpus.contents(of: file)
                _ = bytes.withUnsafeBufferPointer { callback($0.baseAddress, $0.count) }
                count += 1
            }
        }
        print("replayed \(count) inputs")
        exit(0)
        #endif
    }
}
