#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// CPU time consumed, from `getrusage(2)`.
enum CPUTime {
    /// User + system nanoseconds of this process (every thread) plus its reaped children.
    static func selfAndChildren() -> UInt64 {
        var me = rusage()
        var children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &me)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        return nanoseconds(me.ru_utime) + nanoseconds(me.ru_stime) + nanoseconds(children.ru_utime)
            + nanoseconds(children.ru_stime)
    }

    /// CPU nanoseconds the calling thread has used (`CLOCK_THREAD_CPUTIME_ID`): a rate per CPU
    /// second of one thread holds on a machine whose other work takes turns on the same cores.
    static func thisThreadNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
