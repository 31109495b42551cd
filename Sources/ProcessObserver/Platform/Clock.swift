import Glibc

/// The clocks the library reads, all through one `clock_gettime(2)` call.
enum Clock {
    /// `CLOCK_MONOTONIC` in nanoseconds: the clock BPF's `bpf_ktime_get_ns()` reads, so kernel
    /// timestamps need no conversion.
    static func monotonicNs() -> UInt64 { UInt64(nanoseconds(CLOCK_MONOTONIC)) }

    /// `CLOCK_REALTIME` in nanoseconds since the Unix epoch.
    static func wallNs() -> Int64 { nanoseconds(CLOCK_REALTIME) }

    /// `CLOCK_BOOTTIME` in nanoseconds: the clock of `/proc/<pid>/stat`'s `starttime`, which,
    /// unlike `CLOCK_MONOTONIC`, keeps counting during suspend.
    static func bootNs() -> UInt64 { UInt64(nanoseconds(CLOCK_BOOTTIME)) }

    /// Backed by `clock_gettime(2)`, which cannot fail for these clocks.
    private static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        Glibc.clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

extension ObserverEvent {
    /// Now, on the clock of `timestampNs` (`CLOCK_MONOTONIC`): for time offsets of events, such
    /// as a CLI's elapsed-time column.
    public static func currentTimestampNs() -> UInt64 { Clock.monotonicNs() }
}
