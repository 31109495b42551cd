import ArgumentParser
import ProcessObserver

/// `--memory-max`, `--pids-max`, `--cpu-max`: limits on the whole run, enforced by its cgroup
/// (the names of the cgroup v2 files they set).
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("memory-max"),
        help: ArgumentHelp(
            "Memory limit of the whole run (bytes, or with K, M, G, T: powers of 1024); past it the OOM killer "
                + "ends a process of the run.", valueName: "size"))
    var memoryMax: String?

    @Option(
        name: .customLong("pids-max"),
        help: ArgumentHelp("Most processes and threads the run may hold at once; forks beyond fail.", valueName: "n"))
    var pidsMax: Int?

    @Option(
        name: .customLong("cpu-max"),
        help: ArgumentHelp("CPU limit of the whole run, in cores (0.5 is half of one core).", valueName: "cores"))
    var cpuMax: Double?

    func validate() throws {
        if let memoryMax, Self.bytes(memoryMax) == nil {
            throw ValidationError(
                "--memory-max must be a size in bytes, optionally with K, M, G or T (powers of 1024): \(memoryMax)")
        }
        if let pidsMax, pidsMax < 1 { throw ValidationError("--pids-max must be at least 1.") }
        if let cpuMax, !(cpuMax.isFinite && cpuMax >= 0.01) {
            throw ValidationError("--cpu-max must be a number of cores ≥ 0.01.")
        }
    }

    var limits: ResourceLimits {
        ResourceLimits(memoryBytes: memoryMax.flatMap(Self.bytes), processCount: pidsMax, cpuCores: cpuMax)
    }

    /// `512M` → 536870912; accepts a plain number, K/M/G/T with an optional `iB` or `B`.
    static func bytes(_ text: String) -> UInt64? {
        var digits = Substring(text)
        for suffix in ["iB", "B"] where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            break
        }
        var scale: UInt64 = 1
        if let last = digits.last, let power = ["K": 1, "M": 2, "G": 3, "T": 4][String(last).uppercased()] {
            scale = 1 << (10 * UInt64(power))
            digits = digits.dropLast()
        }
        guard let value = UInt64(digits), value > 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? nil : product
    }
}
