import CObserverBPF
import Testing

@testable import ProcessObserver

/// Field offsets of the records as Swift imports them. The sizes and the offsets the size rule
/// depends on are `_Static_assert`ed in `obs_records.h` itself, which both the BPF compile and
/// Swift's importer check; what stays here are the offsets of the fixed fields the decoder reads,
/// which the header does not pin one by one.
@Suite("Kernel record layout")
struct KernelRecordLayoutTests {
    @Test("obs_header: the ids and lost_before precede comm")
    func header() {
        #expect(MemoryLayout<obs_header>.offset(of: \.ts_ns) == 0)
        #expect(MemoryLayout<obs_header>.offset(of: \.type) == 8)
        #expect(MemoryLayout<obs_header>.offset(of: \.tgid) == 12)
        #expect(MemoryLayout<obs_header>.offset(of: \.tid) == 16)
        #expect(MemoryLayout<obs_header>.offset(of: \.ptgid) == 20)
        #expect(MemoryLayout<obs_header>.offset(of: \.lost_before) == 24)
    }

    @Test("fork and exit records: their fields follow the header")
    func forkExit() {
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tgid) == 48)
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tid) == 52)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.status) == 48)
    }

    @Test("exec record: ret, lengths and flags before path")
    func exec() {
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.ret) == 48)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.path_len) == 56)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_len) == 58)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.path_flags) == 60)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_flags) == 61)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.syscall) == 62)
    }

    @Test("file record: ret, dfd, flags, mode, op, lengths before path")
    func file() {
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.ret) == 48)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.dfd) == 56)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.flags) == 60)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.mode) == 64)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.op) == 68)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.syscall) == 69)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path_flags) == 70)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path2_flags) == 71)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path_len) == 72)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path2_len) == 74)
    }

    @Test("socket record: ret, fd, backlog, addr_len, op before addr")
    func socket() {
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.ret) == 48)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.fd) == 56)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.backlog) == 60)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_len) == 64)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.op) == 68)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.syscall) == 69)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_flags) == 70)
    }

    @Test("obs_inflight: accept's saved addrlen sits between the syscall and the arguments")
    func inflight() {
        #expect(MemoryLayout<obs_inflight>.offset(of: \.accept_addrlen) == 4)
        #expect(MemoryLayout<obs_inflight>.offset(of: \.args) == 8)
    }
}
