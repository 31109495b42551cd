import CObserverBPF
import Testing

@testable import ProcessObserver

/// Which observed syscalls the classic tracepoint flavour hooks at their exit
/// (`ObservedSyscall.hasExitWork`, the Swift side of `exit_syscall` in `bpf/obs_syscalls.bpf.h`).
@Suite("Observed syscalls: exits hooked")
struct ObservedSyscallExitTests {
    @Test("with every category and byte counting, exactly close and close_range have no exit to hook")
    func closeHasNoExit() {
        let syscalls = ObservedSyscall.of([.file, .network, .process], countingBytes: true)
        let withoutExit = Set(syscalls.filter { !$0.hasExitWork }.map(\.name))
        #expect(withoutExit == ["close", "close_range"])
        #expect(syscalls.filter(\.hasExitWork).count == syscalls.count - 2)
        #expect(syscalls.contains { $0.id == OBS_SC_OPENAT.rawValue && $0.hasExitWork })
    }

    @Test("without byte counting every observed syscall's exit is hooked")
    func everyExitWithoutCounting() {
        let syscalls = ObservedSyscall.of([.file, .network, .process], countingBytes: false)
        #expect(!syscalls.isEmpty)
        #expect(syscalls.allSatisfy { $0.hasExitWork })
    }
}
