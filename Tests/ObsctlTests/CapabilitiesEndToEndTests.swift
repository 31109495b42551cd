import Foundation
import ObserverTestSupport
import Testing

@testable import ProcessObserver

/// `obsctl capabilities` through the real built binary, checked against what is known about
/// this machine independently of obsctl's own code: the documented layout, and the facts that
/// hold where the eBPF backend loads (root on a kernel with BTF and raw tracepoints).
@Suite("obsctl capabilities, end to end")
struct CapabilitiesEndToEndTests {
    static let lifecycleReason = "started and exited come from our own spawn and reap (pidfd + wait4) path"
    static let samplingReason = "CPU, RSS and disk I/O are read from /proc/<pid>/stat, statm and io"
    /// As root on these hybrid machines. obsctl runs in this test process's own cgroup (as from a
    /// shell), and the reason names that directory.
    static var containmentReason: String {
        "each run gets a cgroup v2 of its own under \(CgroupLayout.current().unified?.directory ?? "?"), entered "
            + "before its first instruction, so nothing it starts escapes (with a memory limit, also a cgroup v1 "
            + "memory cgroup on this hybrid host, which gives its peak memory)"
    }
    static let fileReason =
        "eBPF (raw syscall tracepoints): chdir, fchdir, link, mkdir, open, rename, rmdir, symlink, unlink from the "
        + "syscalls open, openat, openat2, creat, unlink, unlinkat, rmdir, mkdir, mkdirat, rename, renameat, "
        + "renameat2, chdir, fchdir, link, linkat, symlink, symlinkat; \(closeClause("file")); \(pathsClause)"
    static let networkReason =
        "eBPF (raw syscall tracepoints): accept, bind, connect, listen from the syscalls connect, accept, accept4, bind, "
        + "listen; \(closeClause("socket")); dns (the messages to and from port 53, decoded in user space) from the I/O "
        + "syscalls read, write, readv, writev, sendto, sendmsg, sendmmsg, recvfrom, recvmsg, recvmmsg"
    /// Byte counting's syscalls, shared by the file and network rows (issue 18).
    static func closeClause(_ what: String) -> String {
        "close (bytes and calls per \(what), summed in the kernel unless counting is off) from the I/O syscalls "
            + "read, write, pread64, pwrite64, readv, writev, preadv, pwritev, preadv2, pwritev2, sendfile64, "
            + "copy_file_range, splice, close, close_range, dup2, dup3, io_uring_setup, sendto, sendmsg, sendmmsg, "
            + "recvfrom, recvmsg, recvmmsg, socket"
    }
    static let processReason =
        "eBPF (raw syscall tracepoints): fork, exec and exit from raw_tp/sched_process_*, failed execs from the "
        + "execve syscalls; \(pathsClause)"
    static let pathsClause = "absolute paths resolved in the kernel (a dentry walk at syscall exit)"

    static func json() throws -> [[String: Any]] {
        let run = try ObsctlRunner.run(["capabilities", "--json"])
        #expect(run.exitCode == 0)
        #expect(run.err.isEmpty)
        #expect(run.out.hasSuffix("]\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [[String: Any]])
    }

    @Test(
        "--json: one object per category in order, then sampling and containment, each with exactly the six keys")
    func jsonShape() throws {
        let array = try Self.json()
        #expect(
            array.map { $0["category"] as? String } == [
                "lifecycle", "file", "network", "process", "sampling", "containment",
            ])
        for object in array {
            #expect(Set(object.keys) == ["category", "support", "backend", "reason", "missing", "remedy"])
        }
        let lifecycle = array[0]
        #expect(lifecycle["support"] as? String == "supported")
        #expect(lifecycle["backend"] as? String == "portable-lifecycle")
        #expect(lifecycle["reason"] as? String == Self.lifecycleReason)
        #expect((lifecycle["missing"] as? [Any])?.isEmpty == true)
        #expect(lifecycle["remedy"] is NSNull)
        let sampling = array[4]
        #expect(sampling["support"] as? String == "supported")
        #expect(sampling["backend"] as? String == "procfs")
        #expect(sampling["reason"] as? String == Self.samplingReason)
        #expect(sampling["remedy"] is NSNull)
        for object in array[1...3] { #expect(object["backend"] as? String == "ebpf") }
        // Root here: cgroups can be made (the unprivileged case is in UnprivilegedEndToEndTests).
        let containment = array[5]
        #expect(containment["support"] as? String == "supported")
        #expect(containment["backend"] as? String == "cgroup2")
        #expect(containment["reason"] as? String == Self.containmentReason)
        #expect(containment["remedy"] is NSNull)
    }

    @Test(
        "--json where eBPF loads: file, network and process supported by ebpf, nothing missing, no remedy",
        .requiresEBPF)
    func jsonWithEBPF() throws {
        let array = try Self.json()
        for object in array[1...3] {
            #expect(object["support"] as? String == "supported")
            #expect(object["backend"] as? String == "ebpf")
            #expect((object["missing"] as? [Any])?.isEmpty == true)
            #expect(object["remedy"] is NSNull)
            #expect((object["reason"] as? String)?.hasPrefix("eBPF (raw syscall tracepoints): ") == true)
        }
        #if arch(x86_64)
            // x86_64 has every legacy syscall (open, creat, mkdir, …), so the lists are complete.
            #expect(array[1]["reason"] as? String == Self.fileReason)
            #expect(array[2]["reason"] as? String == Self.networkReason)
        #endif
        #expect(array[3]["reason"] as? String == Self.processReason)
    }

    #if arch(x86_64)
        @Test("the table where eBPF loads on x86_64 is exactly the README's", .requiresEBPF)
        func table() throws {
            let run = try ObsctlRunner.run(["capabilities"])
            #expect(run.exitCode == 0)
            #expect(run.err.isEmpty)
            #expect(
                run.out == """
                    CATEGORY     SUPPORT    BACKEND             REASON
                    lifecycle    supported  portable-lifecycle  \(Self.lifecycleReason)
                    file         supported  ebpf                \(Self.fileReason)
                    network      supported  ebpf                \(Self.networkReason)
                    process      supported  ebpf                \(Self.processReason)
                    sampling     supported  procfs              \(Self.samplingReason)
                    containment  supported  cgroup2             \(Self.containmentReason)

                    """)
        }
    #endif
}
