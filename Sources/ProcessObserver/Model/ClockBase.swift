/// The pair of clock readings a run stamps its events with: `CLOCK_MONOTONIC` and
/// `CLOCK_REALTIME`, read together when the run began.
///
/// Every event's wall-clock time is derived from its monotonic timestamp and this base
/// (`wallClock(forMonotonic:)`), so the two never disagree in order even when the wall clock is
/// stepped during a run. A recording's header carries it, so a reader can turn any `ts_ns` into
/// a time of day, and two recordings of one boot can be put on one axis.
public struct ClockBase: Sendable, Hashable {
    /// `CLOCK_MONOTONIC` in nanoseconds, the clock of `ObserverEvent.timestampNs`.
    public var monotonicNs: UInt64
    /// `CLOCK_REALTIME` in nanoseconds since the Unix epoch, read at the same moment.
    public var wallNs: Int64

    public init(monotonicNs: UInt64, wallNs: Int64) {
        self.monotonicNs = monotonicNs
        self.wallNs = wallNs
    }

    /// Both clocks now.
    static func now() -> ClockBase { ClockBase(monotonicNs: Clock.monotonicNs(), wallNs: Clock.wallNs()) }

    /// The wall-clock time of a monotonic timestamp, by this base.
    public func wallClock(forMonotonic ns: UInt64) -> Int64 {
        wallNs + Int64(bitPattern: ns &- monotonicNs)
    }
}
