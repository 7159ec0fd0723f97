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
        .library(name: "TicketLedgerHTTP", targets: ["TicketLedgerHTTP"]),
        .library(name: "TicketLedgerBench", targets: ["TicketLedgerBench"]),
        .executable(name: "ticket-ledger", targets: ["ticket-ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // 3.x and 4.x both build this package: an app on jwt-kit 5.8 (vapor/jwt 5) needs crypto 4.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The PostgreSQL store (Storage/Postgres).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // The HTTP server (TicketLedgerHTTP and `ticket-ledger serve`) only.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // A span per batch commit; a no-op unless the app bootstraps a tracer.
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        // The HTTP request and response parts a connection handler sees (already Hummingbird's).
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        // The HTTP tests' client only.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // The HTTP tests only: a JWT library that is not ours verifies the exchange's tokens.
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
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
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
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
        // The ticket exchange over HTTP (Hummingbird): kept out of `TicketLedger`, so apps
        // that bring their own server don't build Hummingbird.
        .target(
            name: "TicketLedgerHTTP",
            dependencies: [
                "TicketLedger",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ticket-ledger",
            dependencies: [
                "TicketLedger",
                "TicketLedgerBench",
                "TicketLedgerHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // A Hummingbird app serving its own route and the exchange on one port, with the
        // sweeper and the ledger's shutdown in its ServiceGroup: built with the package, run
        // by TicketLedgerHTTPTests.EmbeddingTests.
        .executableTarget(
            name: "EmbeddedExchange",
            dependencies: [
                "TicketLedger",
                "TicketLedgerHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Examples/EmbeddedExchange",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TicketLedgerTests",
            dependencies: [
                "TicketLedger", "LMDB",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // A store written by an earlier build (scripts/make-store-fixture); read by path.
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TicketLedgerHTTPTests",
            dependencies: [
                "TicketLedger",
                "TicketLedgerHTTP",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
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
                "TicketLedgerBench",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Redemption",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}

// The libFuzzer target (Fuzz/TicketLedgerFuzz) is part of the package only when
// TICKET_LEDGER_FUZZ=1 is set; Fuzz/run.sh builds it with -sanitize=fuzzer and runs it.
if ProcessInfo.processInfo.environment["TICKET_LEDGER_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "TicketLedgerFuzz",
            dependencies: ["TicketLedger"],
            path: "Fuzz/TicketLedgerFuzz"
        ))
}

// The DocC plugin (scripts/docs) is part of the package only when TICKET_LEDGER_DOCS=1 is set:
//     TICKET_LEDGER_DOCS=1 swift package generate-documentation --target TicketLedger
if ProcessInfo.processInfo.environment["TICKET_LEDGER_DOCS"] == "1" {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}
