// swift-tools-version:6.0
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "weir",
    products: [
        .executable(name: "weir", targets: ["Host"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "WeirCore",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "WeirFormats",
            dependencies: [
                "WeirCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "RTMP",
            dependencies: [
                "WeirCore",
                "WeirFormats",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/RTMP",
            swiftSettings: settings
        ),
        .systemLibrary(
            name: "CSRT",
            path: "Sources/CSRT",
            pkgConfig: "srt",
            providers: [.apt(["libsrt-openssl-dev"])]
        ),
        .target(
            name: "SRT",
            dependencies: [
                "WeirCore",
                "WeirFormats",
                "CSRT",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/SRT",
            swiftSettings: settings
        ),
        .target(
            name: "TS",
            dependencies: [
                "WeirCore",
                "WeirFormats",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/TS",
            swiftSettings: settings
        ),
        .target(
            name: "HLS",
            dependencies: [
                "WeirCore",
                "WeirFormats",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Plugins/HLS",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "Host",
            dependencies: [
                "WeirCore",
                "WeirFormats",
                "RTMP",
                "SRT",
                "TS",
                "HLS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: settings
        ),
        .testTarget(name: "WeirCoreTests", dependencies: ["WeirCore"], swiftSettings: settings),
        .testTarget(name: "WeirFormatsTests", dependencies: ["WeirFormats", "WeirCore"], swiftSettings: settings),
        // Fakes and recorders the ingest test targets share (not a test target itself).
        .target(name: "WeirTestSupport", dependencies: ["WeirCore"], path: "Tests/WeirTestSupport", swiftSettings: settings),
        .testTarget(
            name: "RTMPTests",
            dependencies: ["RTMP", "WeirCore", "WeirFormats", "WeirTestSupport", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "SRTTests",
            dependencies: ["SRT", "WeirCore", "WeirFormats", "CSRT", "WeirTestSupport"],
            swiftSettings: settings
        ),
        .testTarget(
            name: "TSTests",
            dependencies: ["TS", "WeirCore", "WeirFormats", "WeirTestSupport", .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: settings
        ),
        .testTarget(name: "HLSTests", dependencies: ["HLS", "WeirCore", "WeirFormats"], swiftSettings: settings),
        .testTarget(
            name: "HostTests",
            dependencies: ["Host", "HLS", "WeirCore", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: settings),
        // Fuzzing (Fuzz/README.md): the shared targets, one libFuzzer executable per target
        // (replay tools in an ordinary build), and the corpus replay in `swift test`.
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .target(
            name: "FuzzTargets",
            dependencies: ["WeirFormats", "RTMP", "CLibFuzzer", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/Sources",
            swiftSettings: settings
        ),
        .executableTarget(name: "FuzzRTMPChunk", dependencies: ["FuzzTargets"], path: "Fuzz/RTMPChunk", swiftSettings: settings),
        .executableTarget(name: "FuzzAMF0", dependencies: ["FuzzTargets"], path: "Fuzz/AMF0", swiftSettings: settings),
        .executableTarget(name: "FuzzFLVTag", dependencies: ["FuzzTargets"], path: "Fuzz/FLVTag", swiftSettings: settings),
        .executableTarget(name: "FuzzMPEGTS", dependencies: ["FuzzTargets"], path: "Fuzz/MPEGTS", swiftSettings: settings),
        .executableTarget(name: "FuzzH264", dependencies: ["FuzzTargets"], path: "Fuzz/H264", swiftSettings: settings),
        .executableTarget(name: "FuzzHEVC", dependencies: ["FuzzTargets"], path: "Fuzz/HEVC", swiftSettings: settings),
        .executableTarget(name: "FuzzAudioConfig", dependencies: ["FuzzTargets"], path: "Fuzz/AudioConfig", swiftSettings: settings),
        .executableTarget(name: "FuzzBoxReader", dependencies: ["FuzzTargets"], path: "Fuzz/BoxReader", swiftSettings: settings),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzTargets"], swiftSettings: settings),
    ]
)
