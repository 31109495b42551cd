// swift-tools-version: 6.1
import PackageDescription

/// Linux only: the spawn shim needs pidfd, epoll, pipe2 and close_range, and the kernel categories
/// need eBPF. A build elsewhere stops at `Sources/ProcessObserver/Platform/LinuxOnly.swift` with
/// one message that says so.
let package = Package(
    name: "swift-process-observer",
    products: [
        .library(name: "ProcessObserver", targets: ["ProcessObserver"]),
        .executable(name: "obsctl", targets: ["obsctl"]),
        /// Runs exported to OpenTelemetry (OTLP/HTTP): its own product, so users of the core
        /// library do not pay for swift-protobuf and libcurl.
        .library(name: "OTLPExport", targets: ["OTLPExport"]),
        /// A recorded run as a report (`RunReport`), and two runs compared (`RunDigest`,
        /// `RunDiff`, `DiffGates`): what `obsctl report` and `obsctl diff` render.
        .library(name: "ObserverReporting", targets: ["ObserverReporting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        /// Only the Perfetto and OTLP exporters use it; their Swift is generated once and committed.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        /// Only the HTML report uses it: a typed HTML DSL instead of string concatenation.
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
    ],
    targets: [
        /// fork + start gate + execve, the one thing Swift must not do itself.
        /// The spawn helper's source (`helper/`) is not part of the target: `SpawnHelperPlugin`
        /// compiles it into a static program that `ProcessObserver` embeds.
        .target(name: "CSpawn", exclude: ["helper"]),
        /// The kernel/user-space record definitions shared with `bpf/`, plus libbpf glue.
        .target(
            name: "CObserverBPF",
            dependencies: ["CLibbpf"]
        ),
        .systemLibrary(
            name: "CLibbpf",
            pkgConfig: "libbpf",
            providers: [.apt(["libbpf-dev", "libelf-dev", "zlib1g-dev"])]
        ),
        /// Compiles `bpf/*.bpf.c` with the toolchain clang and embeds the object as Swift source.
        .plugin(name: "BPFObjectPlugin", capability: .buildTool(), path: "Sources/BPFObjectPlugin"),
        /// Compiles `Sources/CSpawn/helper` into a tiny static program and embeds it as Swift source.
        .plugin(name: "SpawnHelperPlugin", capability: .buildTool(), path: "Sources/SpawnHelperPlugin"),
        .target(
            name: "ProcessObserver",
            dependencies: [
                "CSpawn",
                "CObserverBPF",
                "CLibbpf",
                "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            plugins: ["BPFObjectPlugin", "SpawnHelperPlugin"]
        ),
        /// Reports from recordings: the one-pass model (`RunReportBuilder`) and its terminal and JSON
        /// renderings. Pure Swift over the library; the heavier renderings live beside it.
        .target(name: "ObserverReporting", dependencies: ["ProcessObserver"]),
        /// A recording as a Perfetto trace (native protobuf), through swift-protobuf; the messages
        /// are generated once from a subset of Perfetto's protos (Generated/) and committed.
        .target(
            name: "PerfettoExport",
            dependencies: [
                "ProcessObserver", "ObserverReporting", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/perfetto_trace_subset.proto"]
        ),
        /// zlib: gzip for OTLP requests (OTLPExport) and for closed recording segments (ProcessObserver).
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        /// One HTTP POST through libcurl, loaded with dlopen when an export first sends (so that a
        /// process that links the exporter but never sends does not load TLS and its kin).
        .target(name: "CHTTP"),
        /// A run as OpenTelemetry signals (a trace of process spans, correlated log records,
        /// process metrics), sent over OTLP/HTTP with protobuf. The OTLP messages are generated
        /// once from opentelemetry-proto v1.9.0 (Generated/) and committed.
        .target(
            name: "OTLPExport",
            dependencies: [
                "ProcessObserver", "ObserverReporting", "CZlib", "CHTTP",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Generated/opentelemetry"]
        ),
        /// The report as one self-contained HTML page (inline SVG charts, inline script, no fetches).
        .target(
            name: "HTMLReport",
            dependencies: ["ProcessObserver", "ObserverReporting", .product(name: "Plot", package: "Plot")]
        ),
        .executableTarget(
            name: "obsctl",
            dependencies: [
                "ProcessObserver",
                "ObserverReporting",
                "PerfettoExport",
                "HTMLReport",
                "OTLPExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "obsbench",
            dependencies: [
                "ProcessObserver",
                "CSpawn",
                /// The record structs, for building raw records to time the decoder alone.
                "CObserverBPF",
                /// BPF_ENABLE_STATS and the program counters of the kernel-cost sections.
                "CLibbpf",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Workloads"]
        ),
        /// What both test targets share: the `.requiresEBPF` trait and the loaded-program leak checks.
        .target(
            name: "ObserverTestSupport",
            dependencies: [
                "ProcessObserver",
                /// Counts the machine's loaded BPF programs (bpf_prog_get_next_id) for the leak checks.
                .target(name: "CLibbpf", condition: .when(platforms: [.linux])),
            ],
            path: "Tests/ObserverTestSupport"
        ),
        .testTarget(
            name: "ProcessObserverTests",
            dependencies: [
                "ProcessObserver", "CObserverBPF", "ObserverTestSupport",
                .target(name: "CLibbpf", condition: .when(platforms: [.linux])),
            ]
        ),
        .testTarget(
            name: "ObsctlTests",
            dependencies: ["ProcessObserver", "ObserverReporting", "OTLPExport", "obsctl", "ObserverTestSupport"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
