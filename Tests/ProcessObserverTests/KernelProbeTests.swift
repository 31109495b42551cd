import ObserverTestSupport
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Kernel capability probe")
struct KernelProbeTests {
    static let root = "Name:\tx\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n"
    static let bpfOnly = "CapEff:\t0000008000000000\n"
    static let bpfPerfmon = "CapEff:\t000000c000000000\n"
    static let nobody = "Uid:\t65534\nCapEff:\t0000000000000000\n"

    @Test(
        "CapEff parsing decides whether tracing programs may load",
        arguments: [
            (root, true), (bpfOnly, false), (bpfPerfmon, true), (nobody, false), ("CapEff:\tzz\n", nil), ("", nil),
        ] as [(String, Bool?)])
    func capEff(status: String, canLoad: Bool?) {
        #expect(ProcessPrivileges.parse(status: status)?.canLoadTracing == canLoad)
    }

    @Test("this process's live /proc/self/status parses: root may load, an ordinary user may not")
    func live() throws {
        let privileges = try #require(ProcessPrivileges.current())
        #expect(privileges.canLoadTracing == (geteuid() == 0))
    }

    @Test("without CAP_BPF and CAP_PERFMON the reason names them and the remedy says what to grant")
    func unprivileged() throws {
        let blocker = try #require(
            KernelProbe.blocker(
                privileges: ProcessPrivileges.parse(status: Self.nobody), unprivilegedDisabled: "2\n",
                lockdown: "[none] integrity confidentiality", hasBTF: true, imageUnavailable: nil
            ).unavailability)
        #expect(
            blocker.reason
                == "bpf() needs CAP_BPF and CAP_PERFMON (or root), and this process has neither "
                + "(kernel.unprivileged_bpf_disabled is 2: unprivileged eBPF is off)")
        #expect(blocker.remedy?.hasPrefix("Run as root, or grant CAP_BPF and CAP_PERFMON") == true)
    }

    @Test("confidentiality lockdown and missing BTF are reported; integrity lockdown is not an obstacle")
    func machineBlockers() throws {
        let root = ProcessPrivileges.parse(status: Self.root)
        #expect(
            KernelProbe.blocker(
                privileges: root, unprivilegedDisabled: "2", lockdown: "none [integrity] confidentiality", hasBTF: true,
                imageUnavailable: nil) == .available)
        let locked = try #require(
            KernelProbe.blocker(
                privileges: root, unprivilegedDisabled: "2", lockdown: "none integrity [confidentiality]", hasBTF: true,
                imageUnavailable: nil
            ).unavailability)
        #expect(locked.reason.contains("confidentiality"))
        let noBTF = try #require(
            KernelProbe.blocker(
                privileges: root, unprivilegedDisabled: "2", lockdown: nil, hasBTF: false, imageUnavailable: nil
            ).unavailability)
        #expect(noBTF.reason == "kernel has no BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)")
    }

    @Test("an unreadable /proc/self/status is a failed probe, not a verdict that eBPF is unavailable")
    func unreadableStatus() {
        let outcome = KernelProbe.blocker(
            privileges: nil, unprivilegedDisabled: nil, lockdown: nil, hasBTF: true, imageUnavailable: nil)
        #expect(
            outcome
                == .failed(
                    step: "reading the process's capabilities",
                    error: "/proc/self/status cannot be read or has no CapEff line (is procfs mounted at /proc?)"))
        #expect(!outcome.isConclusive)
    }

    @Test("a failed probe reports every kernel category unavailable, with a reason that says the probe failed and why")
    func failedReported() {
        let probe = KernelProbe.run(
            testLoad: false, blocker: .failed(step: "reading the process's capabilities", error: "EIO"))
        #expect(!probe.conclusive)
        #expect(probe.syscallAttach == nil)
        #expect(probe.capabilities.map(\.category) == [.file, .network, .process])
        for capability in probe.capabilities {
            #expect(capability.support == .unavailable)
            #expect(capability.backend == "ebpf")
            #expect(
                capability.reason
                    == "the capability probe failed while reading the process's capabilities: EIO; this says "
                    + "nothing about what the machine supports")
            #expect(
                capability.remedy == "Retry; if it persists, run obsctl --verbose capabilities and report the reason")
        }
    }

    @Test("an unsupported verdict is conclusive and keeps its own reason and remedy")
    func unsupportedReported() {
        let probe = KernelProbe.run(testLoad: false, blocker: .unsupported(reason: "no eBPF here", remedy: "use Linux"))
        #expect(probe.conclusive)
        #expect(probe.capabilities.allSatisfy { $0.reason == "no eBPF here" && $0.remedy == "use Linux" })
    }

    @Test("a failed probe is not cached: the next call probes again, and the first conclusive answer is kept")
    func failedNotCached() {
        let cache = ProbeCache<KernelProbe>()
        nonisolated(unsafe) var probes = 0
        let outcomes: [ProbeOutcome] = [
            .failed(step: "reading the process's capabilities", error: "EIO"),
            .unsupported(reason: "bpf() needs CAP_BPF", remedy: nil),
            .failed(step: "never reached", error: "cached by now"),
        ]
        func probe() -> KernelProbe {
            defer { probes += 1 }
            return KernelProbe.run(testLoad: false, blocker: outcomes[probes])
        }
        let first = KernelProbe.cached(in: cache, probe: probe)
        #expect(!first.conclusive)
        let second = KernelProbe.cached(in: cache, probe: probe)
        #expect(second.conclusive)
        #expect(second.capabilities.first?.reason == "bpf() needs CAP_BPF")
        let third = KernelProbe.cached(in: cache, probe: probe)
        #expect(third.capabilities.first?.reason == "bpf() needs CAP_BPF")
        #expect(probes == 2)
    }

    @Test("libbpf failures are classified by errno and log")
    func classify() {
        let eperm = KernelProbe.classify(
            .init(
                step: "load", errno: 1,
                log:
                    "libbpf: Error in bpf_object__probe_loading():Operation not permitted(1). Couldn't load trivial BPF program. Make sure your kernel supports BPF (CONFIG_BPF_SYSCALL=y) and/or that RLIMIT_MEMLOCK is set to big enough value."
            ))
        #expect(eperm.reason == "bpf() refused: EPERM during load")
        let core = KernelProbe.classify(
            .init(
                step: "load", errno: 22,
                log:
                    "libbpf: prog 'x': relo #3: failed to resolve CO-RE relocation <byte_off> [7] struct task_struct.tgid (0:1 @ offset 4)\n"
            ))
        #expect(core.reason.contains("struct task_struct.tgid"))
        #expect(KernelProbe.classify(.init(step: "load", errno: 3, log: "")).reason.hasPrefix("kernel has no BTF"))
    }

    @Test(
        "every remedy of a classified failure speaks to the caller in a sentence that starts with a capital",
        arguments: [
            BPFObject.Failure(step: "load", errno: 1, log: ""),
            BPFObject.Failure(step: "load", errno: 3, log: ""),
            BPFObject.Failure(step: "attach sys_enter", errno: 2, log: ""),
            BPFObject.Failure(step: "load", errno: 22, log: "failed to resolve CO-RE relocation x"),
            BPFObject.Failure(step: "load", errno: 7, log: ""),
        ])
    func remediesAreSentences(_ failure: BPFObject.Failure) throws {
        let remedy = try #require(KernelProbe.classify(failure).remedy)
        #expect(remedy.first?.isUppercase == true, "\(remedy)")
    }

    @Test("on this machine the probe reports the three kernel categories with a backend and a reason", .requiresEBPF)
    func thisMachine() throws {
        let probe = KernelProbe.run()
        #expect(probe.capabilities.map(\.category) == [.file, .network, .process])
        #expect(
            probe.capabilities.allSatisfy { $0.support == .supported && $0.backend == "ebpf" && !$0.reason.isEmpty })
        #expect(probe.syscallAttach != nil)
    }
}

@Suite("Kernel backend messages")
struct KernelBackendMessageTests {
    @Test("a load failure names the categories, the reason and the remedy")
    func withRemedy() {
        #expect(
            KernelBackend.loadFailure(
                categories: [.network, .file], reason: "bpf() refused: EPERM during load",
                remedy: "Run as root, or grant CAP_BPF and CAP_PERFMON"
            ).message
                == "Loading the eBPF backend for file, network failed: bpf() refused: EPERM during load. "
                + "Run as root, or grant CAP_BPF and CAP_PERFMON.")
    }

    @Test("a load failure without a remedy ends with the reason's full stop, not a dangling space")
    func withoutRemedy() {
        #expect(
            KernelBackend.loadFailure(categories: [.process], reason: "the object is odd", remedy: nil).message
                == "Loading the eBPF backend for process failed: the object is odd.")
    }

    @Test("the kernel's BTF has every member the path walk reads, found through anonymous unions as CO-RE finds them")
    func pathResolutionMembers() {
        let btf = KernelBTF()
        defer { btf.free() }
        #expect(btf.failure == nil)
        // d_name and f_path sit in anonymous unions on this kernel.
        #expect(btf.hasMember("d_name", of: "dentry"))
        #expect(btf.hasMember("f_path", of: "file"))
        #expect(btf.hasMember("hash_len", of: "qstr"))
        #expect(!btf.hasMember("no_such_member", of: "dentry"))
        #expect(!btf.hasMember("d_name", of: "no_such_struct"))
        let support = PathResolutionSupport.probe(btf)
        #expect(support.missing == [])
        #expect(support.sentence == "absolute paths resolved in the kernel (a dentry walk at syscall exit)")
    }

    @Test(
        "the kernel's BTF has the peak RSS members the exit program reads (the probe's partial rule looks for the first)"
    )
    func peakRSSMembers() {
        let btf = KernelBTF()
        defer { btf.free() }
        #expect(btf.hasMember(KernelProbe.peakRSSMember.1, of: KernelProbe.peakRSSMember.0))
        // The image's figure: hiwater_rss sits in an anonymous struct of mm_struct on this kernel.
        #expect(btf.hasMember("hiwater_rss", of: "mm_struct"))
        #expect(btf.hasMember("rss_stat", of: "mm_struct"))
        #expect(!btf.hasMember("maxrss", of: "mm_struct"))
    }

    @Test("a kernel without a member the walk reads: resolution is reported off, naming the members")
    func pathResolutionMissing() {
        let support = PathResolutionSupport(missing: ["mount.mnt_mountpoint", "fs_struct.pwd"])
        #expect(!support.available)
        #expect(
            support.sentence
                == "absolute paths are not resolved: the kernel's BTF lacks mount.mnt_mountpoint, fs_struct.pwd, "
                + "which the in-kernel path walk reads")
    }
}
