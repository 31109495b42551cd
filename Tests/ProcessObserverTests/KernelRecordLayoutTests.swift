import CObserverBPF
import Testing

@testable import ProcessObserver

/// Pins the layout of every record in obs_records.h as Swift imports it. bpf/observer.bpf.c
/// asserts the same sizes at compile time, so the kernel and user sides cannot drift apart.
@Suite("Kernel record layout")
struct KernelRecordLayoutTests {
    @Test("obs_header: 48 bytes, comm at 32")
    func header() {
        #expect(MemoryLayout<obs_header>.size == 48)
        #expect(MemoryLayout<obs_header>.offset(of: \.ts_ns) == 0)
        #expect(MemoryLayout<obs_header>.offset(of: \.type) == 8)
        #expect(MemoryLayout<obs_header>.offset(of: \.tgid) == 12)
        #expect(MemoryLayout<obs_header>.offset(of: \.tid) == 16)
        #expect(MemoryLayout<obs_header>.offset(of: \.ptgid) == 20)
        #expect(MemoryLayout<obs_header>.offset(of: \.lost_before) == 24)
        #expect(MemoryLayout<obs_header>.offset(of: \.comm) == 32)
    }

    @Test("fork and exit records: 56 bytes")
    func forkExit() {
        #expect(MemoryLayout<obs_fork_rec>.size == 56)
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tgid) == 48)
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tid) == 52)
        #expect(MemoryLayout<obs_exit_rec>.size == 56)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.status) == 48)
    }

    @Test("exec record: path at 64, argv at 4160, 8256 bytes")
    func exec() {
        #expect(MemoryLayout<obs_exec_rec>.size == 8256)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.ret) == 48)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.path_len) == 56)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_len) == 58)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.path_flags) == 60)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_flags) == 61)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.syscall) == 62)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.path) == 64)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv) == 4160)
    }

    @Test("file record: path at 80, path2 at 4176, 8272 bytes")
    func file() {
        #expect(MemoryLayout<obs_file_rec>.size == 8272)
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
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path) == 80)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.path2) == 4176)
    }

    @Test("socket record: addr at 72, 200 bytes")
    func socket() {
        #expect(MemoryLayout<obs_sock_rec>.size == 200)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.ret) == 48)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.fd) == 56)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.backlog) == 60)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_len) == 64)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.op) == 68)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.syscall) == 69)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_flags) == 70)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr) == 72)
    }

    @Test("map values: obs_tracked 8 bytes, obs_inflight 56 bytes")
    func maps() {
        #expect(MemoryLayout<obs_tracked>.size == 8)
        #expect(MemoryLayout<obs_inflight>.size == 56)
        #expect(MemoryLayout<obs_inflight>.offset(of: \.args) == 8)
    }

    @Test("the capture limits are the documented ones")
    func limits() {
        #expect(OBS_PATH_MAX == 4096)
        #expect(OBS_ARGV_MAX == 4096)
        #expect(OBS_ARG_MAX == 1024)
        #expect(OBS_ARGS_MAX == 64)
        #expect(OBS_SOCKADDR_MAX == 128)
    }
}
