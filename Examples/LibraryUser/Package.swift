// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name: the checkout's, whatever it is called.
let observer = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()
let library = Target.Dependency.product(name: "ProcessObserver", package: observer)

/// A package that uses the library as its users do: by path, through its `ProcessObserver`
/// product, public API only. `.ci/run` builds it, so the README's library example (kept
/// verbatim in `ReadmeTopLevel/main.swift`; `LibraryExampleTests` checks it is the README's)
/// compiles at top level and inside an `async` function, and runs the scoped example.
let package = Package(
    name: "LibraryUser",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(name: "ReadmeTopLevel", dependencies: [library]),
        .executableTarget(name: "ReadmeInAsyncFunction", dependencies: [library]),
        .executableTarget(name: "ScopedRun", dependencies: [library]),
        .executableTarget(name: "GuideExamples", dependencies: [library]),
        .executableTarget(name: "StrictRun", dependencies: [library]),
        .executableTarget(name: "DefectScenarios", dependencies: [library]),
    ]
)
