#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The two clocks every event carries. Backed by `clock_gettime(2)`.
enum Clock {
    /// `CLOCK_MONOTONIC` in nanoseconds: the clock BPF's `bpf_ktime_get_ns()` reads, so kernel
    /// timestamps need no conversion.
    static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `CLOCK_REALTIME` in nanoseconds since the Unix epoch.
    static func wallNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
