import ObserverTestSupport
import ProcessObserver
import Synchronization
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `.requiresEBPF` trait's three outcomes, driven with made-up probe results on the trait
/// itself (the real probe's outcome is fixed on any one machine).
@Suite("The .requiresEBPF trait")
struct EBPFRequirementTests {
    /// Whether the scoped body ran.
    final class Ran: Sendable {
        let flag = Atomic(false)
        var value: Bool { flag.load(ordering: .relaxed) }
    }

    static let reason = "eBPF file is unavailable: bpf() needs CAP_BPF and CAP_PERFMON (or root)"

    @Test(
        "available: the test is not skipped and its body runs with no issue, required or not", arguments: [false, true])
    func available(required: Bool) async throws {
        let trait: EBPFRequirement = .requiresEBPF(unavailableReason: nil, required: required)
        let test = try #require(Test.current)
        try await trait.prepare(for: test)
        let ran = Ran()
        try await trait.provideScope(for: test, testCase: Test.Case.current) {
            ran.flag.store(true, ordering: .relaxed)
        }
        #expect(ran.value)
    }

    @Test("unavailable and not required: the condition skips, and its comment is the probe's reason")
    func skipped() async throws {
        let trait: EBPFRequirement = .requiresEBPF(unavailableReason: Self.reason, required: false)
        // ConditionTrait.prepare cancels the current test when it skips, so the decision is read
        // from the condition; the runner's reporting is shown by the end-to-end test below.
        #expect(try await trait.condition.evaluate() == false)
        #expect(trait.condition.comments.map(\.rawValue) == [Self.reason])
        let required: EBPFRequirement = .requiresEBPF(unavailableReason: Self.reason, required: true)
        #expect(try await required.condition.evaluate() == true)
    }

    /// This test bundle, run again as uid 65534 (no capabilities) on one real eBPF test.
    static func runUnprivileged(requiring: Bool) throws -> (status: ProcessObserver.ExitStatus, output: String) {
        let bundle = try #require(
            realpath("/proc/self/exe", nil).map { p in
                defer { free(p) }; return String(cString: p)
            })
        let prefix =
            getuid() == 0 ? ["--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", bundle] : []
        let process = NativeProcess(
            getuid() == 0 ? .path("/usr/bin/setpriv") : .path(FilePath(bundle)),
            arguments: prefix + [
                "--testing-library", "swift-testing", "--filter", "KernelSuite/ProcessTree/failedExec",
            ],
            environment: .inherit(updating: ["OBS_REQUIRE_BPF": requiring ? "1" : nil, "NO_COLOR": "1"]),
            workingDirectory: "/tmp", standardInput: .null, standardOutput: .capture(maxBytes: 1 << 20),
            standardError: .capture(maxBytes: 1 << 20), timeout: .seconds(120))
        let result = try process.run()
        let output = String(decoding: (result.standardOutput ?? []) + (result.standardError ?? []), as: UTF8.self)
        return (result.status, output)
    }

    @Test(
        "a real eBPF test run without privileges fails under OBS_REQUIRE_BPF=1 with the probe's reason, and skips with it otherwise"
    )
    func endToEnd() throws {
        let reason =
            "eBPF file is unavailable: bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has neither"
        let failed = try Self.runUnprivileged(requiring: true)
        #expect(failed.status.exitCode == 1, "\(failed.output)")
        #expect(failed.output.contains("OBS_REQUIRE_BPF=1 but \(reason)"))
        // One issue, the trait's: the body (which would fail in other ways unprivileged) never ran.
        #expect(
            failed.output.split(separator: "\n").contains {
                $0.contains("\"a failed exec is reported with its errno and argv\" failed after")
                    && $0.hasSuffix(" with 1 issue.")
            })
        #expect(!failed.output.contains("skipped"))

        let skipped = try Self.runUnprivileged(requiring: false)
        #expect(skipped.status.exitCode == 0, "\(skipped.output)")
        #expect(skipped.output.contains("\"a failed exec is reported with its errno and argv\" skipped: \"\(reason)"))
        #expect(!skipped.output.contains("OBS_REQUIRE_BPF=1 but"))
    }
}
