import Foundation
import ProcessObserver
import SystemPackage
import Testing

/// The library as a user's package meets it: `Examples/LibraryUser` depends on it by path (public
/// API only). `.ci/run` builds that package before the tests; built here when it is missing.
@Suite("A library user's package")
struct LibraryUserTests {
    static let package = ObsctlRunner.repositoryRoot.appendingPathComponent("Examples/LibraryUser").path

    /// `swift build` of the package, once per test process (incremental: a second or two when
    /// `.ci/run` has built it already), so a test never runs a stale example; nil when it built.
    static let buildFailure: String? = {
        // Both streams are kept: swift build writes its compile errors to standard output.
        let build = try? NativeProcess(
            .name("swift"), arguments: ["build", "--package-path", package],
            standardOutput: .capture(maxBytes: 1 << 16), standardError: .capture(maxBytes: 1 << 16)
        ).run()
        guard let build else { return "swift build could not be started" }
        guard build.status != .exited(code: 0) else { return nil }
        return "\(build.status): "
            + String(decoding: (build.standardOutput ?? []) + (build.standardError ?? []), as: UTF8.self)
    }()

    /// The example executable `name`, built first.
    static func executable(_ name: String) throws -> String {
        if let failure = buildFailure { Issue.record("Examples/LibraryUser did not build: \(failure)") }
        return package + "/.build/debug/" + name
    }

    @Test("unprivileged: a category eBPF cannot serve is missing from observedCategories and started; strict() throws")
    func unprivilegedStrictness() throws {
        let path = try Self.executable("StrictRun")
        let result = try NativeProcess(
            .path("/usr/bin/setpriv"), arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", path],
            standardOutput: .capture(maxBytes: 1 << 16), standardError: .capture(maxBytes: 1 << 16)
        ).run()
        #expect(result.status == .exited(code: 0), "\(String(decoding: result.standardError ?? [], as: UTF8.self))")
        let lines = String(decoding: result.standardOutput ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(lines)")
        #expect(lines[0] == "observed: lifecycle")
        #expect(lines[1] == "started says: lifecycle")
        #expect(lines[2] == "status: exited(code: 0)")
        #expect(lines[3] == "strict: categoryUnavailable")
        #expect(
            lines[4].hasPrefix(
                "Starting /bin/true failed: a strict observer asked for file and process, which this machine cannot "
                    + "serve (file and process: bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has "
                    + "neither"))
        #expect(
            lines[4].hasSuffix(
                "Run as root, or grant CAP_BPF and CAP_PERFMON (for example setcap cap_bpf,cap_perfmon+ep on the binary)."
            ))
    }

    @Test("as root: every category is observed, the started event says so, and strict() starts", .requiresEBPF)
    func rootStrictness() throws {
        let path = try Self.executable("StrictRun")
        let result = try NativeProcess(.path(.init(path)), standardOutput: .capture(maxBytes: 1 << 16)).run()
        #expect(result.status == .exited(code: 0))
        #expect(
            String(decoding: result.standardOutput ?? [], as: UTF8.self)
                == "observed: file,lifecycle,process\nstarted says: file,lifecycle,process\nstatus: exited(code: 0)\n"
                + "strict: started\n")
    }

    @Test("each subscriber observes its own categories, less none, once the run has started", .requiresEBPF)
    func observedPerSubscriber() throws {
        let process = NativeProcess(.path("/bin/true"))
        let lifecycle = process.withObserver(.lifecycle())
        let files = process.withObserver(.lifecycle(.file))
        #expect(lifecycle.observedCategories == nil, "not started yet")
        _ = try process.spawn().wait()
        #expect(lifecycle.observedCategories == [.lifecycle])
        #expect(files.observedCategories == [.lifecycle, .file])
        guard case .started(let started)? = lifecycle.collect().first?.kind else {
            Issue.record("the first event is started")
            return
        }
        #expect(started.observedCategories == [.lifecycle, .file], "the run's, over all its subscribers")
    }

    @Test("each fixed defect's scenario, run by a library user's package as root", .requiresEBPF)
    func defectScenarios() throws {
        let path = try Self.executable("DefectScenarios")
        let result = try NativeProcess(
            .path(.init(path)), standardOutput: .capture(maxBytes: 1 << 16), standardError: .capture(maxBytes: 1 << 16)
        ).run()
        let output = String(decoding: result.standardOutput ?? [], as: UTF8.self)
        #expect(
            result.status == .exited(code: 0), "\(output)\(String(decoding: result.standardError ?? [], as: UTF8.self))"
        )
        #expect(
            output == """
                PASS failed starts leak nothing
                PASS a late subscriber ends at once
                PASS dropping an AttachedRun stops observing
                PASS an end not seen is unknown
                PASS the process attached to runs on, never signalled
                PASS a throwing scoped body ends the run

                """)
    }
}
