import ProcessObserver

/// A process's syscall summary (`obsctl watch -c`) as OTLP metrics, at its `syscalls` event
/// (`Docs/OTLP.md`, Syscalls):
/// - `obs.process.syscall.calls`, a cumulative, monotonic Sum (unit `{call}`): per syscall, one
///   point for the calls that succeeded and one per errno for those that failed, the errno name
///   in `error.type` (`_OTHER` for the errors past the kernel's errno slots), so the points of a
///   syscall add up to its calls;
/// - `obs.process.syscall.duration`, a cumulative explicit-bucket Histogram (unit `s`): per
///   syscall, the kernel's log2 buckets of the time in the call, its count, sum, min and max.
///
/// Every point carries `process.pid`, `process.executable.name` and `obs.syscall.name`, and runs
/// from the process's start to the event. OpenTelemetry's semantic conventions (1.37) define no
/// syscall metric or attribute, hence the `obs.` names; `error.type` is the conventions' own.
enum SyscallMetrics {
    /// The kernel's buckets per histogram (`OBS_SC_HIST_BUCKETS`): bucket i counts calls of 2^i to
    /// 2^(i+1) ns (bucket 0 also 0 ns), the last every call from 2^39 ns.
    static let buckets = 40

    /// The explicit bounds, in seconds: 2^1 … 2^39 ns, the upper edge of every bucket but the last.
    /// (OTLP's buckets include their upper bound, the kernel's their lower: a call of exactly 2^k
    /// ns is one bucket higher than OTLP's reading of the bounds says; no other call is.)
    static let bounds: [Double] = (1..<buckets).map { Double(UInt64(1) << UInt64($0)) / 1e9 }

    /// The errno name OTLP gets for the errors the kernel counted past its slots: the
    /// conventions' fallback value of `error.type`.
    static let otherErrorType = "_OTHER"

    static func metrics(
        _ summary: SyscallSummary, processID: Int32, program: String, startNs: UInt64, at ns: UInt64
    ) -> [Metric] {
        guard !summary.syscalls.isEmpty else { return [] }
        var calls = Opentelemetry_Proto_Metrics_V1_Sum()
        calls.aggregationTemporality = .cumulative
        calls.isMonotonic = true
        var duration = Opentelemetry_Proto_Metrics_V1_Histogram()
        duration.aggregationTemporality = .cumulative
        let who = [Attribute.int("process.pid", processID), Attribute.string("process.executable.name", program)]
        for count in summary.syscalls where count.calls > 0 {
            let attributes = who + [Attribute.string("obs.syscall.name", count.name)]
            func point(_ n: UInt64, _ extra: [KeyValue]) -> NumberDataPoint {
                var p = NumberDataPoint()
                p.startTimeUnixNano = startNs
                p.timeUnixNano = ns
                p.asInt = Int64(clamping: n)
                p.attributes = attributes + extra
                return p
            }
            if count.calls > count.errors { calls.dataPoints.append(point(count.calls - count.errors, [])) }
            for (errno, n) in count.errnos.sorted(by: { $0.key < $1.key }) where n > 0 {
                let type = errno == SyscallCount.otherErrno ? otherErrorType : errno
                calls.dataPoints.append(point(n, [Attribute.string("error.type", type)]))
            }
            var h = Opentelemetry_Proto_Metrics_V1_HistogramDataPoint()
            h.startTimeUnixNano = startNs
            h.timeUnixNano = ns
            h.attributes = attributes
            h.count = count.calls
            h.sum = Double(count.totalNs) / 1e9
            h.min = Double(count.minNs) / 1e9
            h.max = Double(count.maxNs) / 1e9
            h.explicitBounds = bounds
            h.bucketCounts = (0..<buckets).map { $0 < count.histogram.count ? count.histogram[$0] : 0 }
            duration.dataPoints.append(h)
        }
        var callsMetric = Metric()
        callsMetric.name = "obs.process.syscall.calls"
        callsMetric.unit = "{call}"
        callsMetric.description_p = "Syscalls the process made, by syscall and, for the failed ones, errno"
        callsMetric.sum = calls
        var durationMetric = Metric()
        durationMetric.name = "obs.process.syscall.duration"
        durationMetric.unit = "s"
        durationMetric.description_p = "Time in each syscall of the process, from its entry to its exit"
        durationMetric.histogram = duration
        return [callsMetric, durationMetric]
    }
}
