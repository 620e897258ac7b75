import FuzzTargets
import Testing

/// Replays the fuzz corpus and every crash input found so far through the fuzz targets, so
/// `swift test` catches a regression without the fuzzer build. An input that traps a parser
/// or breaks a target's invariant (a `precondition` in the target) crashes the test run.
@Suite struct FuzzReplayTests {
    /// One stored input of one target.
    struct Input: Sendable, CustomTestStringConvertible {
        var target: FuzzTarget
        var path: String
        var isCrash: Bool

        var testDescription: String {
            "\(target.rawValue)/\(isCrash ? "crashes" : "corpus")/\(path.split(separator: "/").last ?? "")"
        }
    }

    /// The `Fuzz` directory of the repository this file is in.
    static let fuzzDirectory: String = {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // Tests/FuzzReplayTests/FuzzReplayTests.swift
        return components.joined(separator: "/") + "/Fuzz"
    }()

    static func corpus(of target: FuzzTarget) -> [String] {
        FuzzCorpus.files(at: "\(fuzzDirectory)/corpus/\(target.rawValue)")
    }

    static func crashes(of target: FuzzTarget) -> [String] {
        FuzzCorpus.files(at: "\(fuzzDirectory)/crashes/\(target.rawValue)")
    }

    static let inputs: [Input] = FuzzTarget.allCases.flatMap { target in
        corpus(of: target).map { Input(target: target, path: $0, isCrash: false) }
            + crashes(of: target).map { Input(target: target, path: $0, isCrash: true) }
    }

    @Test(arguments: inputs)
    func replays(_ input: Input) {
        let bytes = FuzzCorpus.contents(of: input.path)
        if !input.isCrash {
            #expect(!bytes.isEmpty && bytes.count < 64 * 1024, "seed inputs are small real inputs")
        }
        bytes.withUnsafeBytes { input.target.run($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyTargetHasASeedCorpus(_ target: FuzzTarget) {
        #expect(Self.corpus(of: target).count >= 4)
    }

    @Test func corpusStaysSmall() {
        let total = Self.inputs.reduce(0) { $0 + FuzzCorpus.contents(of: $1.path).count }
        #expect(total > 0)
        #expect(total < 2 * 1024 * 1024)
    }
}
