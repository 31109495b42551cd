import ProcessObserver

/// The samples of a run as series over time, in bounded memory: the tree's totals at most
/// `capacity` points (when full, neighbours merge pairwise, keeping each pair's peak), and per
/// process the CPU time and peak RSS the samples showed.
public struct ResourceSeries: Sendable, Hashable {
    public static let capacity = 4096

    public struct Point: Sendable, Hashable {
        public var timestampNs: UInt64
        /// The tree's CPU in percent of one core.
        public var cpuPercent: Double
        public var rssBytes: UInt64
        public var processCount: Int
    }

    /// One process as the samples saw it.
    public struct ProcessUsage: Sendable, Hashable {
        public var processID: Int32
        public var name: String
        /// CPU percent × the sample's interval, summed, in nanoseconds.
        public var cpuNs: UInt64
        public var peakRSSBytes: UInt64
        /// Its CPU and RSS at each sample it appeared in, for the top processes' charts;
        /// bounded like the totals.
        public var points: [Point]
    }

    public private(set) var points: [Point] = []
    public private(set) var sampleCount = 0
    /// Samples that carried their run cgroup's totals (`PerfSample.cgroup`), and those of them
    /// with its memory.
    public private(set) var cgroupSampleCount = 0
    public private(set) var cgroupMemorySampleCount = 0
    /// The run cgroup's highest CPU percent and memory in those samples (nil when none had it).
    public private(set) var cgroupPeakCPUPercent: Double?
    public private(set) var cgroupPeakMemoryBytes: UInt64?
    public private(set) var processes: [Int32: ProcessUsage] = [:]
    private var previousNs: UInt64?

    public init() {}

    public var peakCPUPercent: Double { points.map(\.cpuPercent).max() ?? 0 }
    public var peakRSSBytes: UInt64 { points.map(\.rssBytes).max() ?? 0 }

    /// Adds one sample taken at `timestampNs`; `originNs` is the run's start, the interval
    /// before the first sample.
    mutating func add(_ sample: PerfSample, at timestampNs: UInt64, originNs: UInt64) {
        let since = previousNs ?? originNs
        let interval = timestampNs > since ? timestampNs - since : 0
        previousNs = timestampNs
        sampleCount += 1
        if let cgroup = sample.cgroup {
            cgroupSampleCount += 1
            cgroupPeakCPUPercent = max(cgroupPeakCPUPercent ?? 0, cgroup.cpuPercent)
            if let memory = cgroup.memoryBytes {
                cgroupMemorySampleCount += 1
                cgroupPeakMemoryBytes = max(cgroupPeakMemoryBytes ?? 0, memory)
            }
        }
        Self.append(
            Point(
                timestampNs: timestampNs, cpuPercent: sample.totalCPUPercent, rssBytes: sample.totalRSSBytes,
                processCount: sample.processCount), to: &points)
        for p in sample.processes {
            let cpu = UInt64(max(0, p.cpuPercent) / 100 * Double(interval))
            var usage =
                processes[p.processID]
                ?? ProcessUsage(processID: p.processID, name: p.name, cpuNs: 0, peakRSSBytes: 0, points: [])
            usage.cpuNs += cpu
            usage.peakRSSBytes = max(usage.peakRSSBytes, p.rssBytes)
            usage.name = p.name
            Self.append(
                Point(timestampNs: timestampNs, cpuPercent: p.cpuPercent, rssBytes: p.rssBytes, processCount: 1),
                to: &usage.points)
            processes[p.processID] = usage
        }
    }

    /// The processes with the most sampled CPU (or, `byMemory`, the highest peak RSS).
    public func top(_ limit: Int, byMemory: Bool = false) -> [ProcessUsage] {
        processes.values.sorted {
            let (a, b) = byMemory ? ($0.peakRSSBytes, $1.peakRSSBytes) : ($0.cpuNs, $1.cpuNs)
            return a != b ? a > b : $0.processID < $1.processID
        }.prefix(limit).map { $0 }
    }

    /// Appends, halving the series by merging neighbours when it is full.
    private static func append(_ point: Point, to series: inout [Point]) {
        if series.count == capacity {
            series = stride(from: 0, to: series.count, by: 2).map { i in
                let a = series[i]
                let b = series[min(i + 1, series.count - 1)]
                return Point(
                    timestampNs: a.timestampNs, cpuPercent: max(a.cpuPercent, b.cpuPercent),
                    rssBytes: max(a.rssBytes, b.rssBytes), processCount: max(a.processCount, b.processCount))
            }
        }
        series.append(point)
    }
}
