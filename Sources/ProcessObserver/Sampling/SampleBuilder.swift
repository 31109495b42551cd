/// One member of the tree as read at one look: its `stat`, and its `io` when readable.
struct ProcessReading: Sendable, Hashable {
    var stat: ProcStat
    var io: ProcIO?
}

/// The run's cgroup as read at one look (`WatchedCgroup.reading()`), and where its counters start.
struct CgroupReading: Sendable, Hashable {
    var cpu: CgroupCPUStat
    /// `CLOCK_MONOTONIC` when the run's counting started (`CgroupBaseline.startNs`: when its
    /// cgroup was made or taken, or an attached cgroup opened) and its CPU time then
    /// (`CgroupBaseline.reading(_:)`: 0 but for an attached cgroup): the baseline of its first
    /// CPU percent.
    var createdNs: UInt64
    var baselineCPUNs: UInt64 = 0
    var memoryBytes: UInt64?
    var taskCount: Int?
    var io: CgroupIOStat?
}

/// Turns successive looks at the tree into `PerfSample`s: keeps each pid's previous counters
/// (its baseline) and derives CPU percent and disk rates from the differences.
///
/// Pure: no I/O and no clock reads, so the arithmetic is tested on made-up readings.
///
/// A baseline is reset (the process is treated as seen for the first time) when the pid's start
/// time changes (the pid was reused by a new process) or when its `io` could not be read; a pid
/// missing from a look loses its baseline. On a first look the CPU percent is measured from the
/// process's start (`stat` `starttime`, on `CLOCK_BOOTTIME`), and the disk rates are absent.
///
/// The run's cgroup, when there is one, keeps one baseline of its own (its CPU time and the
/// look's time); its first CPU percent is measured from the cgroup's creation.
struct SampleBuilder: Sendable {
    struct Baseline: Sendable, Hashable {
        var startTime: UInt64
        var cpuTicks: UInt64
        var timestampNs: UInt64
        var io: ProcIO?
    }

    let clockTicksPerSecond: UInt64
    let pageSize: UInt64
    /// How many processes a sample lists; the totals cover all.
    let top: Int
    private(set) var baselines: [Int32: Baseline] = [:]
    /// The cgroup's CPU time (ns) and the time of the look that read it.
    private(set) var cgroupBaseline: (cpuNs: UInt64, timestampNs: UInt64)?

    init(clockTicksPerSecond: UInt64 = ProcFS.clockTicksPerSecond, pageSize: UInt64 = ProcFS.pageSize, top: Int) {
        self.clockTicksPerSecond = max(1, clockTicksPerSecond)
        self.pageSize = pageSize
        self.top = max(1, top)
    }

    /// The sample for one look taken at `timestampNs` (`CLOCK_MONOTONIC`, the time base of every
    /// rate) and `bootNs` (`CLOCK_BOOTTIME` at the same moment, compared with start times only),
    /// with the run cgroup's counters read at the same look, if any.
    mutating func sample(
        _ readings: [ProcessReading], cgroup: CgroupReading? = nil, timestampNs: UInt64, bootNs: UInt64
    ) -> PerfSample {
        var processes: [PerfSample.Process] = []
        processes.reserveCapacity(readings.count)
        var next: [Int32: Baseline] = [:]
        var totalCPU = 0.0
        var totalRSS: UInt64 = 0
        var totalRead: Double?
        var totalWritten: Double?
        for reading in readings {
            let stat = reading.stat
            let ticks = stat.userTicks &+ stat.systemTicks
            let previous = baselines[stat.processID].flatMap { $0.startTime == stat.startTime ? $0 : nil }
            let cpu: Double
            var readRate: Double?
            var writeRate: Double?
            if let previous {
                let seconds = Double(timestampNs &- previous.timestampNs) / 1e9
                let used = Double(ticks >= previous.cpuTicks ? ticks - previous.cpuTicks : 0)
                cpu = seconds > 0 ? used / Double(clockTicksPerSecond) / seconds * 100 : 0
                if seconds > 0, let before = previous.io, let now = reading.io {
                    readRate = Self.rate(from: before.readBytes, to: now.readBytes, seconds: seconds)
                    writeRate = Self.rate(from: before.writeBytes, to: now.writeBytes, seconds: seconds)
                }
            } else {
                let startNs = stat.startTime * (1_000_000_000 / clockTicksPerSecond)
                let seconds = bootNs > startNs ? Double(bootNs - startNs) / 1e9 : 0
                cpu = seconds > 0 ? Double(ticks) / Double(clockTicksPerSecond) / seconds * 100 : 0
            }
            let rss = UInt64(max(0, stat.residentPages)) &* pageSize
            next[stat.processID] = Baseline(
                startTime: stat.startTime, cpuTicks: ticks, timestampNs: timestampNs, io: reading.io)
            processes.append(
                PerfSample.Process(
                    processID: stat.processID, name: String(decoding: stat.command, as: UTF8.self), cpuPercent: cpu,
                    rssBytes: rss, diskReadBytesPerSecond: readRate, diskWrittenBytesPerSecond: writeRate,
                    diskReadBytes: reading.io?.readBytes, diskWrittenBytes: reading.io?.writeBytes))
            totalCPU += cpu
            totalRSS &+= rss
            if let readRate { totalRead = (totalRead ?? 0) + readRate }
            if let writeRate { totalWritten = (totalWritten ?? 0) + writeRate }
        }
        baselines = next
        let count = processes.count
        processes.sort { ($0.cpuPercent, $1.processID) > ($1.cpuPercent, $0.processID) }
        if processes.count > top { processes.removeSubrange(top...) }
        return PerfSample(
            processes: processes, processCount: count, totalCPUPercent: totalCPU, totalRSSBytes: totalRSS,
            totalDiskReadBytesPerSecond: totalRead, totalDiskWrittenBytesPerSecond: totalWritten,
            cgroup: cgroup.map { totals($0, timestampNs: timestampNs) })
    }

    /// The cgroup's totals, its CPU percent over the time since the previous look that read it
    /// (the first: since its creation). A CPU time that went backwards (never expected) reads as
    /// no CPU used.
    private mutating func totals(_ reading: CgroupReading, timestampNs: UInt64) -> CgroupTotals {
        let cpuNs = reading.cpu.usageMicroseconds &* 1000
        let (beforeNs, sinceNs) =
            cgroupBaseline.map { ($0.cpuNs, $0.timestampNs) } ?? (reading.baselineCPUNs, reading.createdNs)
        cgroupBaseline = (cpuNs, timestampNs)
        let seconds = timestampNs > sinceNs ? Double(timestampNs - sinceNs) / 1e9 : 0
        let used = cpuNs >= beforeNs ? Double(cpuNs - beforeNs) / 1e9 : 0
        return CgroupTotals(
            cpuNanoseconds: cpuNs, userCPUNanoseconds: reading.cpu.userMicroseconds &* 1000,
            systemCPUNanoseconds: reading.cpu.systemMicroseconds &* 1000,
            cpuPercent: seconds > 0 ? used / seconds * 100 : 0, memoryBytes: reading.memoryBytes,
            taskCount: reading.taskCount, diskReadBytes: reading.io?.readBytes,
            diskWrittenBytes: reading.io?.writtenBytes)
    }

    /// Bytes per second; nil if the counter went backwards (it never should: then the baseline
    /// is not trusted).
    private static func rate(from before: UInt64, to now: UInt64, seconds: Double) -> Double? {
        now >= before ? Double(now - before) / seconds : nil
    }
}
