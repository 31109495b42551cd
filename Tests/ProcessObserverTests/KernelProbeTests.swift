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
                lockdown: "[none] integrity confidentiality", hasBTF: true, imageUnavailable: nil))
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
                imageUnavailable: nil) == nil)
        let locked = try #require(
            KernelProbe.blocker(
                privileges: root, unprivilegedDisabled: "2", lockdown: "none integrity [confidentiality]", hasBTF: true,
                imageUnavailable: nil))
        #expect(locked.reason.contains("confidentiality"))
        let noBTF = try #require(
            KernelProbe.blocker(
                privileges: root, unprivilegedDisabled: "2", lockdown: nil, hasBTF: false, imageUnavailable: nil))
        #expect(noBTF.reason == "kernel has no BTF at /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)")
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

    @Test("on this machine the probe reports the three kernel categories with a backend and a reason", .requiresEBPF)
    func thisMachine() throws {
        let probe = KernelProbe.run()
        #expect(probe.capabilities.map(\.category) == [.file, .network, .process])
        #expect(
            probe.capabilities.allSatisfy { $0.support == .supported && $0.backend == "ebpf" && !$0.reason.isEmpty })
        #expect(probe.syscallAttach != nil)
    }
}
