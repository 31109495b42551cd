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
}
