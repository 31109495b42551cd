/// A cgroup v2 `cpu.stat`: the CPU time every task that was ever in the cgroup (and in the
/// cgroups nested in it) has used. The kernel keeps these three counters in every v2 cgroup,
/// with or without the cpu controller; the controller only adds throttling lines, ignored here.
///
/// `usage_usec` is the scheduler's exact run time; `user_usec` and `system_usec` split it by the
/// tick-sampled proportion, so their sum is `usage_usec` give or take rounding.
struct CgroupCPUStat: Sendable, Hashable {
    var usageMicroseconds: UInt64
    var userMicroseconds: UInt64
    var systemMicroseconds: UInt64

    /// Parses the whole file (`key value` lines); nil when one of the three counters is missing or
    /// malformed.
    init?(parsing bytes: [UInt8]) {
        var usage: UInt64?
        var user: UInt64?
        var system: UInt64?
        for line in bytes[...].split(separator: 0x0A) {
            let fields = ProcText.fields(line)
            guard fields.count == 2 else { continue }
            if ProcText.equals(fields[0], "usage_usec") {
                usage = ProcText.unsigned(fields[1])
            } else if ProcText.equals(fields[0], "user_usec") {
                user = ProcText.unsigned(fields[1])
            } else if ProcText.equals(fields[0], "system_usec") {
                system = ProcText.unsigned(fields[1])
            }
        }
        guard let usage, let user, let system else { return nil }
        usageMicroseconds = usage
        userMicroseconds = user
        systemMicroseconds = system
    }

    init(usageMicroseconds: UInt64, userMicroseconds: UInt64, systemMicroseconds: UInt64) {
        self.usageMicroseconds = usageMicroseconds
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
    }

    /// What was used since `earlier` (each counter at least 0).
    func since(_ earlier: CgroupCPUStat) -> CgroupCPUStat {
        CgroupCPUStat(
            usageMicroseconds: usageMicroseconds - min(usageMicroseconds, earlier.usageMicroseconds),
            userMicroseconds: userMicroseconds - min(userMicroseconds, earlier.userMicroseconds),
            systemMicroseconds: systemMicroseconds - min(systemMicroseconds, earlier.systemMicroseconds))
    }
}
