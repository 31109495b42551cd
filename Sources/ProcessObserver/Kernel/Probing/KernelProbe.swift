import CLibbpf
import SystemPackage

/// Finds out, on this machine and for this process, what the eBPF backend can deliver:
/// privileges, `kernel.unprivileged_bpf_disabled`, the lockdown mode, kernel BTF, tracefs,
/// every attach point, and finally that the embedded object really loads.
///
/// Every outcome carries a sentence a user can act on; `Docs/CAPABILITIES.md` lists them all.
struct KernelProbe: Sendable {
    /// The environment variable that selects the classic syscall tracepoints (`tracepoints`).
    static let syscallAttachVariable = "OBS_SYSCALL_ATTACH"

    var capabilities: [CategoryCapability]
    /// How the syscall programs will be attached, when anything can be.
    var syscallAttach: BPFObject.SyscallAttach?
    /// Syscalls whose attach point exists.
    var syscalls: [ObservedSyscall]
    /// Whether the kernel has what the in-kernel path walk reads, and if not, why.
    var pathResolution = PathResolutionSupport.available
    /// False when a step of the probe failed (`ProbeOutcome.failed`) rather than found an
    /// answer: such a result is reported but never cached.
    var conclusive = true

    /// The probe result for this process's lifetime (what `KernelBackend.open` relies on),
    /// once a probe was conclusive. It skips the test load: the run's own load is that test,
    /// and a failure there is reported with the same classified reason.
    static var cached: KernelProbe { cached(in: cache) }

    static let cache = ProbeCache<KernelProbe>()

    static func cached(in cache: ProbeCache<KernelProbe>, probe: () -> KernelProbe = { run(testLoad: false) })
        -> KernelProbe
    {
        cache.value(probe: probe, isConclusive: \.conclusive)
    }

    /// Probes now. `blocker` is the machine- and process-wide check (injectable for tests).
    static func run(testLoad shouldLoad: Bool = true, blocker: ProbeOutcome = blocker()) -> KernelProbe {
        if blocker != .available { return unavailable(blocker) }

        // Attach points. raw_tp/sys_{enter,exit} first: they need no tracefs, detach at once
        // (closing a classic tracepoint's perf event waits for an RCU grace period, about 65 ms
        // each, 2.5 s for all of ours), and cost an open+close-heavy bystander less here
        // (+0.26 to +0.3 µs per pair, against +0.41 to +0.9 µs with the classic syscall
        // tracepoints, over several runs; see Docs/BENCHMARKS.md).
        // OBS_SYSCALL_ATTACH=tracepoints selects the classic ones.
        var notes: [String] = []
        var attach = BPFObject.SyscallAttach.tracepoints
        var syscalls = ObservedSyscall.every
        let btf = KernelBTF()
        defer { btf.free() }
        if let failure = btf.failure { return unavailable(failure) }
        let preferClassic = Syscall.environmentValue(syscallAttachVariable) == "tracepoints"
        let rawPossible = btf.has("sys_enter") && btf.has("sys_exit")
        switch !preferClassic && rawPossible ? .unavailable(reason: "") : Tracefs.locate() {
        case .unavailable(let reason) where reason.isEmpty:
            attach = .rawSyscalls
        case .mounted(let root):
            syscalls = ObservedSyscall.every.filter {
                Tracefs.hasEvent(root: root, category: "syscalls", name: $0.enterTracepoint)
                    && Tracefs.hasEvent(root: root, category: "syscalls", name: $0.exitTracepoint)
            }
            if syscalls.isEmpty, btf.has("sys_enter"), btf.has("sys_exit") {
                // tracefs without syscall events (CONFIG_FTRACE_SYSCALLS off, or mode 0700 for a
                // non-root user with CAP_BPF): the raw tracepoints serve all of them.
                attach = .rawSyscalls
                syscalls = ObservedSyscall.every
                notes.append(
                    "syscalls are traced through raw_tp/sys_enter and sys_exit because tracefs at \(root) has no "
                        + "readable syscall events, which costs every syscall on the machine about 200 ns")
            }
        case .unavailable(let reason):
            guard btf.has("sys_enter"), btf.has("sys_exit") else {
                return unavailable(
                    .unsupported(
                        reason: "\(reason), and the kernel has no raw sys_enter/sys_exit tracepoints either",
                        remedy: "Mount tracefs (mount -t tracefs nodev /sys/kernel/tracing) as root"))
            }
            attach = .rawSyscalls
            notes.append(
                "\(reason), so syscalls are traced through raw_tp/sys_enter and sys_exit, which costs every "
                    + "syscall on the machine about 200 ns")
        }
        let missingSched = ["sched_process_fork", "sched_process_exec", "sched_process_exit"].filter {
            !btf.has($0)
        }
        if !missingSched.isEmpty {
            return unavailable(
                .unsupported(
                    reason: "the kernel has no raw tracepoint \(missingSched.joined(separator: ", ")), which "
                        + "process-tree tracking needs",
                    remedy: "Use a kernel with scheduler tracepoints (Linux 4.17 or later)"))
        }

        let paths = PathResolutionSupport.probe(btf)

        // The object must load with every program it may need.
        if shouldLoad, let failure = testLoad(attach, resolvePaths: paths.available) {
            return unavailable(.unsupported(reason: failure.reason, remedy: failure.remedy))
        }

        var list: [CategoryCapability] = []
        for category in EventCategory.kernelCategories.sorted() {
            // DNS is the network category's, and rides on the calls that carry it, some of which
            // (read, write, readv, writev) are the file category's: a carrier missing makes it partial.
            let carriesDNS = { (sc: ObservedSyscall) in
                category == .network && ObservedSyscall.dnsCarriers.contains(sc.id)
            }
            let all = ObservedSyscall.every.filter { $0.category == category || carriesDNS($0) }
            let have = syscalls.filter { $0.category == category || carriesDNS($0) }
            let missing = all.filter { !have.contains($0) }
            var missingKinds = Set(missing.map(\.kind)).subtracting(have.map(\.kind))
            if missing.contains(where: carriesDNS) { missingKinds.insert("dns") }
            let plain = all.filter { !$0.countsBytes }
            var what =
                category == .process
                ? "fork, exec and exit from raw_tp/sched_process_*, failed execs from the execve syscalls"
                : "\(Set(plain.map(\.kind)).sorted().joined(separator: ", ")) from the syscalls "
                    + plain.map(\.name).joined(separator: ", ")
            if category != .process { what += "; " + Self.closeClause(category) }
            if category == .network { what += "; " + Self.dnsClause }
            var reason =
                "eBPF (\(attach == .tracepoints ? "syscall tracepoints" : "raw syscall tracepoints")): \(what)"
            if category != .network { reason += "; " + paths.sentence }
            if !notes.isEmpty { reason += "; " + notes.joined(separator: "; ") }
            if category == .file, !paths.available, missing.isEmpty {
                list.append(
                    CategoryCapability(
                        category: category, support: .partial, backend: "ebpf", reason: reason,
                        remedy: "Use a kernel whose BTF has these fields; events still carry the paths as passed",
                        missing: ["absolute paths"]))
            } else if category == .process, missing.isEmpty,
                !btf.hasMember(Self.peakRSSMember.1, of: Self.peakRSSMember.0)
            {
                // The exit program reads it only where it exists (bpf_core_field_exists): the
                // tree is whole, its exits carry no peak RSS.
                list.append(
                    CategoryCapability(
                        category: category, support: .partial, backend: "ebpf",
                        reason: "\(reason); exit events carry no peak RSS: the kernel's BTF lacks "
                            + "\(Self.peakRSSMember.0).\(Self.peakRSSMember.1)",
                        remedy: "Use a kernel whose BTF has this field; the process tree is observed whole",
                        missing: ["peak RSS"]))
            } else if missing.isEmpty {
                list.append(
                    CategoryCapability(category: category, support: .supported, backend: "ebpf", reason: reason))
            } else {
                let names = missing.map(\.name).joined(separator: ", ")
                list.append(
                    CategoryCapability(
                        category: category, support: .partial, backend: "ebpf",
                        reason: "\(reason); the kernel has no syscall tracepoints for \(names), so those calls "
                            + "are not seen",
                        remedy: "Use a kernel built with CONFIG_FTRACE_SYSCALLS that has these syscalls",
                        missing: category == .process ? [] : missingKinds.sorted()))
            }
        }
        return KernelProbe(capabilities: list, syscallAttach: attach, syscalls: syscalls, pathResolution: paths)
    }

    /// What the network row says of `dns`: the calls whose payloads carry it.
    static let dnsClause =
        "dns (the messages to and from port 53, decoded in user space) from the I/O syscalls "
        + ObservedSyscall.every.filter { ObservedSyscall.dnsCarriers.contains($0.id) }.map(\.name).joined(
            separator: ", ")

    /// What the file and network rows say of their `close` kind: byte counting, whose syscalls
    /// (every I/O call, and the calls that end a descriptor) both categories share.
    static func closeClause(_ category: EventCategory) -> String {
        "close (bytes and calls per \(category == .network ? "socket" : "file"), summed in the kernel unless "
            + "counting is off) from the I/O syscalls "
            + ObservedSyscall.counted.map(\.name).joined(separator: ", ")
    }

    /// The member the exit program reads a process's peak RSS from (`bpf/obs_process.bpf.h`), as
    /// (struct, member).
    static let peakRSSMember = ("signal_struct", "maxrss")

    /// Every kernel category unavailable, for an outcome that is not `.available`.
    static func unavailable(_ outcome: ProbeOutcome) -> KernelProbe {
        let (reason, remedy) = outcome.unavailability ?? ("", nil)
        return KernelProbe(
            capabilities: EventCategory.kernelCategories.sorted().map {
                CategoryCapability(
                    category: $0, support: .unavailable, backend: "ebpf", reason: reason, remedy: remedy)
            }, syscallAttach: nil, syscalls: [], conclusive: outcome.isConclusive)
    }

    /// A machine-wide or process-wide reason nothing can load (`.unsupported`), a check that
    /// could not be made (`.failed`), or `.available`.
    static func blocker(
        privileges: ProcessPrivileges? = .current(),
        unprivilegedDisabled: String? = ProcFS.readText("/proc/sys/kernel/unprivileged_bpf_disabled"),
        lockdown: String? = ProcFS.readText("/sys/kernel/security/lockdown"),
        hasBTF: Bool = Syscall.exists("/sys/kernel/btf/vmlinux"),
        imageUnavailable: String? = BPFObject.imageUnavailableReason
    ) -> ProbeOutcome {
        if let imageUnavailable {
            return .unsupported(
                reason: "the eBPF object was not built into this binary: \(imageUnavailable)",
                remedy:
                    "Rebuild on Linux with libbpf-dev installed (apt-get install libbpf-dev libelf-dev zlib1g-dev)"
            )
        }
        guard let privileges else {
            return .failed(
                step: "reading the process's capabilities",
                error: "/proc/self/status cannot be read or has no CapEff line (is procfs mounted at /proc?)")
        }
        if !privileges.canLoadTracing {
            var reason = "bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has "
            reason += privileges.has(ProcessPrivileges.capBPF) ? "CAP_BPF without CAP_PERFMON" : "neither"
            if let v = unprivilegedDisabled?.trimmed, v != "0" {
                reason += " (kernel.unprivileged_bpf_disabled is \(v): unprivileged eBPF is off)"
            }
            return .unsupported(
                reason: reason,
                remedy:
                    "Run as root, or grant CAP_BPF and CAP_PERFMON (for example setcap cap_bpf,cap_perfmon+ep on the binary)"
            )
        }
        if let mode = lockdown.flatMap(Self.activeLockdown), mode == "confidentiality" {
            return .unsupported(
                reason:
                    "the kernel is locked down in confidentiality mode, which forbids eBPF programs from reading kernel memory",
                remedy: "Boot with lockdown=integrity or lockdown=none"
            )
        }
        if !hasBTF {
            return .unsupported(
                reason: "kernel has no BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)",
                remedy: "Use a kernel built with CONFIG_DEBUG_INFO_BTF=y"
            )
        }
        return .available
    }

    /// The bracketed mode in `/sys/kernel/security/lockdown` ("none [integrity] confidentiality").
    static func activeLockdown(_ text: String) -> String? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        return String(text[text.index(after: open)..<close])
    }

    /// Loads the object with every program the chosen attach type needs, then releases it.
    static func testLoad(_ attach: BPFObject.SyscallAttach, resolvePaths: Bool = true) -> (
        reason: String, remedy: String?
    )? {
        do {
            let object = try BPFObject(
                options: .init(
                    categories: EventCategory.kernelCategories, syscallAttach: attach, resolvePaths: resolvePaths))
            defer { object.close() }
            try object.load()
            return nil
        } catch {
            return classify(error)
        }
    }

    /// Turns a libbpf failure into a reason and a remedy.
    static func classify(_ failure: BPFObject.Failure) -> (reason: String, remedy: String?) {
        let name = ErrnoName.name(of: failure.errno)
        if failure.step == BPFObject.contractCheckStep {
            return (failure.log, "Rebuild the package: bpf/ and obs_records.h must come from the same checkout")
        }
        if failure.log.contains("failed to resolve CO-RE relocation") {
            let line = failure.log.split(separator: "\n").first {
                $0.contains("failed to resolve CO-RE relocation")
            }
            return (
                "the eBPF object does not fit this kernel: \(line.map(String.init) ?? "a CO-RE relocation failed")",
                "Report the kernel version; the named kernel field has changed"
            )
        }
        switch Errno(rawValue: failure.errno) {
        case .notPermitted, .permissionDenied:
            return (
                "bpf() refused: \(name) during \(failure.step)",
                "Run as root, or grant CAP_BPF and CAP_PERFMON"
            )
        case .noSuchProcess:
            return (
                "kernel has no BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF); libbpf: failed to find valid kernel BTF",
                "Use a kernel built with CONFIG_DEBUG_INFO_BTF=y"
            )
        case .noSuchFileOrDirectory where failure.step.hasPrefix("attach"):
            return (
                "the attach point is missing: \(failure.step) failed with ENOENT",
                "Use a kernel that has this tracepoint"
            )
        default:
            let detail = failure.log.split(separator: "\n").last { !$0.isEmpty }.map { ": \($0)" } ?? ""
            return (
                "the eBPF object failed at \(failure.step) with \(name)\(detail)",
                "Run obsctl --verbose capabilities to see libbpf's log, and report it"
            )
        }
    }
}

extension String {
    fileprivate var trimmed: String {
        String(self.filter { !$0.isWhitespace })
    }
}
