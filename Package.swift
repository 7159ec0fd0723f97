// swift-tools-version: 6.1
import PackageDescription
import class Foundation.ProcessInfo

/// Strict settings shared by every target: Swift 6 language mode is the package default.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "TicketLedger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TicketLedger", targets: ["TicketLedger"]),
        .library(name: "TicketLedgerBench", targets: ["TicketLedgerBench"]),
        .executable(name: "ticket-ledger", targets: ["ticket-ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
    ],
    targets: [
        // The only place that touches C: the system liblmdb, through pkg-config `lmdb`.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // A small Swift wrapper over LMDB; the only module that imports CLMDB.
        .target(
            name: "LMDB",
            dependencies: ["CLMDB"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TicketLedger",
            dependencies: [
                "LMDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSettings
        ),
        // The load generator behind `ticket-ledger bench` and the Benchmarks/ suite.
        .target(
            name: "TicketLedgerBench",
            dependencies: [
                "TicketLedger",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ticket-ledger",
            dependencies: [
                "TicketLedger",
                "TicketLedgerBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TicketLedgerTests",
            dependencies: ["TicketLedger", "LMDB"],
            swiftSettings: strictSettings
        ),
    ]
)

// The package-benchmark suite (Benchmarks/Redemption) is part of the package only when
// TICKET_LEDGER_BENCHMARKS=1 is set, so that building and testing the library does not
// build the benchmark framework:
//     TICKET_LEDGER_BENCHMARKS=1 swift package benchmark
if ProcessInfo.processInfo.environment["TICKET_LEDGER_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "Redemption",
            dependencies: [
                "TicketLedger",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Redemption",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
