import ObserverTestSupport
import ProcessObserver
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether this machine can load the eBPF backend, as the library's own probe says, and whether
/// the run demands it (`OBS_REQUIRE_BPF=1`, as CI sets it).
public enum EBPFGate {
    /// `OBS_REQUIRE_BPF=1`: an unavailable backend fails the eBPF tests instead of skipping them.
    public static let required = getenv("OBS_REQUIRE_BPF").map { String(cString: $0) } == "1"

    /// Why the first unavailable kernel category cannot be observed; nil when all three can.
    /// Probed once per test process (`ObserverCapabilities.negotiate()` caches its result).
    public static let unavailableReason: String? = {
        let bad = ObserverCapabilities.negotiate().categories.filter {
            EventCategory.kernelCategories.contains($0.category) && $0.support == .unavailable
        }
        return bad.first.map { "eBPF \($0.category.rawValue) is unavailable: \($0.reason)" }
    }()
}

/// The `.requiresEBPF` trait: a test (or every test of a suite) that needs the eBPF backend.
///
/// Three outcomes, decided by the probe and `OBS_REQUIRE_BPF`:
/// - the backend is available: the test runs;
/// - it is unavailable and not required: the test is skipped, with the probe's reason;
/// - it is unavailable and required: the test fails with the probe's reason, without running
///   its body (which would only fail later, and less clearly).
public struct EBPFRequirement: TestTrait, SuiteTrait, TestScoping {
    let reason: String?
    let required: Bool

    /// The skip: a condition trait decides it, so the runner reports a skip with its comment.
    public var condition: ConditionTrait {
        .enabled(if: reason == nil || required, Comment(rawValue: reason ?? "eBPF is available"))
    }

    public var isRecursive: Bool { true }

    public var comments: [Comment] { [Comment(rawValue: reason ?? "eBPF is available")] }

    public func prepare(for test: Test) async throws {
        try await condition.prepare(for: test)
    }

    /// One scope per test case (a suite's tests get the trait by recursion), so that every test
    /// that would run records the failure itself.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    public func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        if required, let reason {
            Issue.record(Comment(rawValue: "OBS_REQUIRE_BPF=1 but \(reason)"), sourceLocation: test.sourceLocation)
            return
        }
        try await function()
    }
}

extension Trait where Self == EBPFRequirement {
    /// Runs the test when the eBPF backend is available; otherwise skips it with the probe's
    /// reason, or, under `OBS_REQUIRE_BPF=1`, fails it with that reason.
    public static var requiresEBPF: Self {
        EBPFRequirement(reason: EBPFGate.unavailableReason, required: EBPFGate.required)
    }

    /// The same trait for a given probe outcome, so the trait itself can be tested.
    public static func requiresEBPF(unavailableReason: String?, required: Bool) -> Self {
        EBPFRequirement(reason: unavailableReason, required: required)
    }
}
