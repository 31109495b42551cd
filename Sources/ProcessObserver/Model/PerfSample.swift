/// One periodic look at the observed tree's resource use, read from `/proc`, with the run
/// cgroup's own counters when the run has one.
public struct PerfSample: Sendable, Hashable {
    /// One process of the tree in this sample.
    public struct Process: Sendable, Hashable {
        public var processID: Int32
        /// The task name from `/proc/<pid>/stat`.
        public var name: String
        /// CPU time over the interval in percent of one core: 200.0 means two cores busy.
        /// On a process's first sample it is measured from the process's start.
        public var cpuPercent: Double
        public var rssBytes: UInt64
        /// Storage-layer reads (`read_bytes` of `/proc/<pid>/io`) per second. Absent on a
        /// process's first sample and after any baseline reset (pid reuse, unreadable io).
        public var diskReadBytesPerSecond: Double?
        /// Storage-layer writes (`write_bytes`) per second; absent as for reads.
        public var diskWrittenBytesPerSecond: Double?
        /// The process's storage-layer reads and writes so far (`read_bytes`, `write_bytes`),
        /// when `/proc/<pid>/io` could be read: the counters OpenTelemetry's `process.disk.io` is.
        public var diskReadBytes: UInt64?
        public var diskWrittenBytes: UInt64?

        public init(
            processID: Int32, name: String, cpuPercent: Double, rssBytes: UInt64,
            diskReadBytesPerSecond: Double? = nil, diskWrittenBytesPerSecond: Double? = nil,
            diskReadBytes: UInt64? = nil, diskWrittenBytes: UInt64? = nil
        ) {
            self.diskReadBytes = diskReadBytes
            self.diskWrittenBytes = diskWrittenBytes
            self.processID = processID
            self.name = name
            self.cpuPercent = cpuPercent
            self.rssBytes = rssBytes
            self.diskReadBytesPerSecond = diskReadBytesPerSecond
            self.diskWrittenBytesPerSecond = diskWrittenBytesPerSecond
        }
    }

    /// The busiest processes, sorted by `cpuPercent` descending, clipped to the configured top N.
    public var processes: [Process]
    /// How many live processes the tree had (before clipping).
    public var processCount: Int
    /// Sums over the whole tree (before clipping). Rates are nil when no process had one.
    public var totalCPUPercent: Double
    public var totalRSSBytes: UInt64
    public var totalDiskReadBytesPerSecond: Double?
    public var totalDiskWrittenBytesPerSecond: Double?
    /// The run cgroup's own counters at this look; nil without a run cgroup (process-group
    /// containment, an attached process) or when its `cpu.stat` could not be read.
    public var cgroup: CgroupTotals?

    public init(
        processes: [Process], processCount: Int, totalCPUPercent: Double, totalRSSBytes: UInt64,
        totalDiskReadBytesPerSecond: Double?, totalDiskWrittenBytesPerSecond: Double?, cgroup: CgroupTotals? = nil
    ) {
        self.cgroup = cgroup
        self.processes = processes
        self.processCount = processCount
        self.totalCPUPercent = totalCPUPercent
        self.totalRSSBytes = totalRSSBytes
        self.totalDiskReadBytesPerSecond = totalDiskReadBytesPerSecond
        self.totalDiskWrittenBytesPerSecond = totalDiskWrittenBytesPerSecond
    }
}
