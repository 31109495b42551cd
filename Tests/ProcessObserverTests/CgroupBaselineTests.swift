import Testing

@testable import ProcessObserver

/// `CgroupBaseline`: what a sample and the tree profile count from, for a cgroup made for the
/// run, one recycled from an earlier run, and one attached to. No cgroup is needed: the oracle is
/// the arithmetic on the counters given.
@Suite("cgroup CPU baseline")
struct CgroupBaselineTests {
    static let start = CgroupCPUStat(usageMicroseconds: 1_000, userMicroseconds: 600, systemMicroseconds: 400)
    static let now = CgroupCPUStat(usageMicroseconds: 3_500, userMicroseconds: 2_100, systemMicroseconds: 1_400)

    static var totals: TreeUsage {
        var usage = TreeUsage()
        usage.userCPUNanoseconds = 2_100_000
        usage.systemCPUNanoseconds = 1_400_000
        usage.peakMemoryBytes = 1 << 20
        usage.peakProcesses = 3
        return usage
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var origin: CgroupBaseline.Origin
        /// The sample's CPU counters and first-percent baseline (ns).
        var cpu: CgroupCPUStat
        var baselineCPUNs: UInt64
        /// The profile's user and system CPU (ns) and whether the peaks stay.
        var user, system: UInt64
        var peaks: Bool
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "made for the run: everything since zero", origin: .made, cpu: now, baselineCPUNs: 0,
            user: 2_100_000, system: 1_400_000, peaks: true),
        Case(
            label: "recycled: this run's counters start at the claim", origin: .recycled(start),
            cpu: CgroupCPUStat(usageMicroseconds: 2_500, userMicroseconds: 1_500, systemMicroseconds: 1_000),
            baselineCPUNs: 0, user: 1_500_000, system: 1_000_000, peaks: true),
        Case(
            label: "attached: the cgroup's own totals, the percent and profile since the attach",
            origin: .attached(start), cpu: now, baselineCPUNs: 1_000_000, user: 1_500_000, system: 1_000_000,
            peaks: false),
        Case(
            label: "attached without a cpu.stat then: from zero, peaks still left out", origin: .attached(nil),
            cpu: now, baselineCPUNs: 0, user: 2_100_000, system: 1_400_000, peaks: false),
    ]

    @Test("a sample's counters and the tree profile count from the one baseline", arguments: cases)
    func counts(_ c: Case) {
        let baseline = CgroupBaseline(startNs: 42, origin: c.origin)
        let reading = baseline.reading(Self.now)
        #expect(reading.cpu == c.cpu)
        #expect(reading.baselineCPUNs == c.baselineCPUNs)
        let usage = baseline.usage(Self.totals)
        #expect(usage.userCPUNanoseconds == c.user)
        #expect(usage.systemCPUNanoseconds == c.system)
        #expect(usage.peakMemoryBytes == (c.peaks ? 1 << 20 : nil))
        #expect(usage.peakProcesses == (c.peaks ? 3 : nil))
    }
}
