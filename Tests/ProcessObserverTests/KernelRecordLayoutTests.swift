import CObserverBPF
import Testing

@testable import ProcessObserver

/// Field offsets of the records as Swift imports them. The sizes and the offsets the size rule
/// depends on are `_Static_assert`ed in `obs_records.h` itself, which both the BPF compile and
/// Swift's importer check; what stays here are the offsets of the fixed fields the decoder reads,
/// which the header does not pin one by one.
@Suite("Kernel record layout")
struct KernelRecordLayoutTests {
    @Test("obs_header: the ids and lost_before precede comm; the cgroup id follows it")
    func header() {
        #expect(MemoryLayout<obs_header>.offset(of: \.ts_ns) == 0)
        #expect(MemoryLayout<obs_header>.offset(of: \.type) == 8)
        #expect(MemoryLayout<obs_header>.offset(of: \.tgid) == 12)
        #expect(MemoryLayout<obs_header>.offset(of: \.tid) == 16)
        #expect(MemoryLayout<obs_header>.offset(of: \.ptgid) == 20)
        #expect(MemoryLayout<obs_header>.offset(of: \.lost_before) == 24)
        #expect(MemoryLayout<obs_header>.offset(of: \.cgroup_id) == 48)
    }

    @Test("fork and exit records: their fields follow the header")
    func forkExit() {
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tgid) == 56)
        #expect(MemoryLayout<obs_fork_rec>.offset(of: \.parent_tid) == 60)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.status) == 56)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.flags) == 60)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.maxrss_pages) == 64)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.image_rss_pages) == 72)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.rchar) == 80)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.syscw) == 104)
        #expect(MemoryLayout<obs_exit_rec>.offset(of: \.cancelled_write_bytes) == 128)
        #expect(MemoryLayout<obs_exit_rec>.size == 136)
    }

    @Test("close records: the counts after the header, then what the file or socket is")
    func closeRecords() {
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.open_ts) == 56)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.bytes_read) == 64)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.writes) == 88)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.ino) == 96)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.magic) == 104)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.fd) == 108)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.mode) == 112)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.closed_by) == 114)
        #expect(MemoryLayout<obs_file_close_rec>.offset(of: \.path) == 116)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.bytes_sent) == 64)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.receives) == 88)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.fd) == 104)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.closed_by) == 108)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.family) == 110)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.peer_len) == 118)
        #expect(MemoryLayout<obs_sock_close_rec>.offset(of: \.peer) == 248)
        #expect(MemoryLayout<obs_sock_close_rec>.size == 376)
        #expect(MemoryLayout<obs_io_key>.size == 8)
        #expect(MemoryLayout<obs_io_stat>.size == 56)
        #expect(MemoryLayout<obs_tracked>.offset(of: \.flags) == 4)
    }

    @Test("exec record: ret, dfd, argv length and flags, then the strings' descriptors")
    func exec() {
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.ret) == 56)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.dfd) == 64)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_len) == 68)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.argv_flags) == 70)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.syscall) == 71)
        #expect(MemoryLayout<obs_exec_rec>.offset(of: \.str) == 72)
        #expect(obs_exec_rec_size(0) == 88)
    }

    @Test("file record: ret, the two dirfds, flags, mode, fd, op, then the strings' descriptors")
    func file() {
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.ret) == 56)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.dfd) == 64)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.dfd2) == 68)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.flags) == 72)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.mode) == 76)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.fd) == 80)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.op) == 84)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.syscall) == 85)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.duration_ns) == 88)
        #expect(MemoryLayout<obs_file_rec>.offset(of: \.str) == 96)
        #expect(obs_file_rec_size(0) == 112)
    }

    @Test("socket record: ret, fd, backlog, addr_len, op before addr; the cwd descriptor after it")
    func socket() {
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.ret) == 56)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.fd) == 64)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.backlog) == 68)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_len) == 72)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.op) == 76)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.syscall) == 77)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.addr_flags) == 78)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.duration_ns) == 80)
        #expect(MemoryLayout<obs_sock_rec>.offset(of: \.cwd) == 216)
        #expect(obs_sock_rec_size(0) == 224)
    }

    @Test("obs_dns_rec: both addresses 16 bytes, the payload after them")
    func dns() {
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.ret) == 56)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.moved) == 64)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.fd) == 68)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.syscall) == 72)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.family) == 76)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.len) == 82)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.remote_addr) == 88)
        #expect(MemoryLayout<obs_dns_rec>.offset(of: \.local_addr) == 104)
        #expect(obs_dns_rec_size(0) == 120)
        #expect(MemoryLayout<obs_dns_rec>.size == 120 + Int(OBS_DNS_PAYLOAD_MAX))
    }

    @Test("obs_inflight: accept's saved addrlen sits between the syscall and the arguments, the summary's after")
    func inflight() {
        #expect(MemoryLayout<obs_inflight>.offset(of: \.accept_addrlen) == 4)
        #expect(MemoryLayout<obs_inflight>.offset(of: \.args) == 8)
        #expect(MemoryLayout<obs_inflight>.offset(of: \.start_ns) == 56)
        #expect(MemoryLayout<obs_inflight>.offset(of: \.nr) == 64)
        #expect(MemoryLayout<obs_inflight>.size == 72)
    }

    @Test("the syscall summary's map layouts: a 256-byte per-CPU value, a bitmap of every syscall number")
    func syscallSummary() {
        #expect(MemoryLayout<obs_sc_key>.size == 8)
        #expect(MemoryLayout<obs_sc_stat>.size == 256)
        #expect(MemoryLayout<obs_sc_stat>.offset(of: \.errno_nr) == 40)
        #expect(MemoryLayout<obs_sc_stat>.offset(of: \.errno_count) == 56)
        #expect(MemoryLayout<obs_sc_stat>.offset(of: \.hist) == 96)
        #expect(MemoryLayout<obs_sc_proc>.offset(of: \.spilled) == 8)
        #expect(MemoryLayout<obs_sc_proc>.offset(of: \.seen) == 16)
        #expect(MemoryLayout<obs_sc_proc>.size == 16 + Int(OBS_MAX_SYSCALL_NR) / 8)
        #expect(Int(OBS_SC_HIST_BUCKETS) == 40)
    }

    @Test("the summary record: dropped, count and last after the header, then 264-byte entries, 32 at most")
    func summaryRecord() {
        #expect(MemoryLayout<obs_sc_rec>.offset(of: \.dropped) == 56)
        #expect(MemoryLayout<obs_sc_rec>.offset(of: \.count) == 64)
        #expect(MemoryLayout<obs_sc_rec>.offset(of: \.last) == 68)
        #expect(MemoryLayout<obs_sc_entry>.size == 264)
        #expect(MemoryLayout<obs_sc_entry>.offset(of: \.stat) == 8)
        #expect(obs_sc_rec_size(0) == 72)
        #expect(obs_sc_rec_size(2) == 72 + 2 * 264)
        #expect(Int(OBS_SC_REC_ENTRIES) == 32)
    }
}
