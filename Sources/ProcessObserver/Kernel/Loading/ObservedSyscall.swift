import CObserverBPF

/// A syscall the eBPF programs understand, with this architecture's number (from the C
/// library's `SYS_*` constants, never hard-coded) and the tracepoint names it appears under.
///
/// The raw values are `enum obs_syscall` in `obs_records.h`. Some syscalls do not exist on every
/// architecture (arm64 has no `open`, `creat`, `unlink`, `rmdir`, `mkdir` or `rename`): those
/// have no number there and are simply not observed (their `*at` successors are).
struct ObservedSyscall: Hashable, Sendable {
    let id: UInt32
    let name: String
    let category: EventCategory
    /// The event kind it produces (for `partial` capability reports).
    let kind: String
    /// This architecture's syscall number, nil when the syscall does not exist here.
    let number: Int32?
    /// Observed only for byte counting (`obs_count_io`): the I/O calls, the calls that end a
    /// descriptor, and `socket` and `io_uring_setup`. These serve the `close` kinds of both the
    /// file and the network category, so either category turns all of them on.
    var countsBytes = false

    /// Every kind of event it can produce: its own, and `rmdir` for `unlinkat` (`AT_REMOVEDIR`).
    var kinds: [String] { id == OBS_SC_UNLINKAT.rawValue ? [kind, "rmdir"] : [kind] }

    var enterTracepoint: String { "sys_enter_\(name)" }
    var exitTracepoint: String { "sys_exit_\(name)" }

    /// Whether its exit has anything to do (`exit_syscall` in `bpf/obs_syscalls.bpf.h`): not for
    /// `close` and `close_range`, which byte counting handles whole at their entry, so the
    /// classic tracepoint flavour does not hook their exit, and every `close` of the machine pays
    /// one program run instead of two.
    var hasExitWork: Bool { id != OBS_SC_CLOSE.rawValue && id != OBS_SC_CLOSE_RANGE.rawValue }

    /// The syscalls whose every call makes an event (file, network, exec).
    static let all: [ObservedSyscall] = {
        func sc(_ id: obs_syscall, _ name: String, _ category: EventCategory, _ kind: String, _ nr: Int32?)
            -> ObservedSyscall
        {
            ObservedSyscall(id: id.rawValue, name: name, category: category, kind: kind, number: nr)
        }
        #if arch(x86_64)
            let legacy: Legacy = (
                SYS_open, SYS_creat, SYS_unlink, SYS_rmdir, SYS_mkdir, SYS_rename, SYS_link, SYS_symlink
            )
        #else
            let legacy: Legacy = (nil, nil, nil, nil, nil, nil, nil, nil)
        #endif
        return [
            sc(OBS_SC_OPEN, "open", .file, "open", legacy.open),
            sc(OBS_SC_OPENAT, "openat", .file, "open", SYS_openat),
            sc(OBS_SC_OPENAT2, "openat2", .file, "open", SYS_openat2),
            sc(OBS_SC_CREAT, "creat", .file, "open", legacy.creat),
            sc(OBS_SC_UNLINK, "unlink", .file, "unlink", legacy.unlink),
            sc(OBS_SC_UNLINKAT, "unlinkat", .file, "unlink", SYS_unlinkat),
            sc(OBS_SC_RMDIR, "rmdir", .file, "rmdir", legacy.rmdir),
            sc(OBS_SC_MKDIR, "mkdir", .file, "mkdir", legacy.mkdir),
            sc(OBS_SC_MKDIRAT, "mkdirat", .file, "mkdir", SYS_mkdirat),
            sc(OBS_SC_RENAME, "rename", .file, "rename", legacy.rename),
            sc(OBS_SC_RENAMEAT, "renameat", .file, "rename", SYS_renameat),
            sc(OBS_SC_RENAMEAT2, "renameat2", .file, "rename", SYS_renameat2),
            sc(OBS_SC_CHDIR, "chdir", .file, "chdir", SYS_chdir),
            sc(OBS_SC_FCHDIR, "fchdir", .file, "fchdir", SYS_fchdir),
            sc(OBS_SC_LINK, "link", .file, "link", legacy.link),
            sc(OBS_SC_LINKAT, "linkat", .file, "link", SYS_linkat),
            sc(OBS_SC_SYMLINK, "symlink", .file, "symlink", legacy.symlink),
            sc(OBS_SC_SYMLINKAT, "symlinkat", .file, "symlink", SYS_symlinkat),
            sc(OBS_SC_EXECVE, "execve", .process, "exec", SYS_execve),
            sc(OBS_SC_EXECVEAT, "execveat", .process, "exec", SYS_execveat),
            sc(OBS_SC_CONNECT, "connect", .network, "connect", SYS_connect),
            sc(OBS_SC_ACCEPT, "accept", .network, "accept", SYS_accept),
            sc(OBS_SC_ACCEPT4, "accept4", .network, "accept", SYS_accept4),
            sc(OBS_SC_BIND, "bind", .network, "bind", SYS_bind),
            sc(OBS_SC_LISTEN, "listen", .network, "listen", SYS_listen),
        ].filter { $0.number != nil }
    }()

    /// The syscalls byte counting observes (`countsBytes`): no event per call, one `close` event
    /// per descriptor that did I/O. Apart from `all`, whose syscalls each make an event.
    static let counted: [ObservedSyscall] = {
        func io(_ id: obs_syscall, _ name: String, _ category: EventCategory, _ nr: Int32?) -> ObservedSyscall {
            ObservedSyscall(
                id: id.rawValue, name: name, category: category, kind: "close", number: nr, countsBytes: true)
        }
        #if arch(x86_64)
            let dup2: Int32? = SYS_dup2
        #else
            let dup2: Int32? = nil
        #endif
        return [
            io(OBS_SC_READ, "read", .file, SYS_read),
            io(OBS_SC_WRITE, "write", .file, SYS_write),
            io(OBS_SC_PREAD64, "pread64", .file, SYS_pread64),
            io(OBS_SC_PWRITE64, "pwrite64", .file, SYS_pwrite64),
            io(OBS_SC_READV, "readv", .file, SYS_readv),
            io(OBS_SC_WRITEV, "writev", .file, SYS_writev),
            io(OBS_SC_PREADV, "preadv", .file, SYS_preadv),
            io(OBS_SC_PWRITEV, "pwritev", .file, SYS_pwritev),
            io(OBS_SC_PREADV2, "preadv2", .file, SYS_preadv2),
            io(OBS_SC_PWRITEV2, "pwritev2", .file, SYS_pwritev2),
            io(OBS_SC_SENDFILE, "sendfile64", .file, SYS_sendfile),
            io(OBS_SC_COPY_FILE_RANGE, "copy_file_range", .file, SYS_copy_file_range),
            io(OBS_SC_SPLICE, "splice", .file, SYS_splice),
            io(OBS_SC_CLOSE, "close", .file, SYS_close),
            io(OBS_SC_CLOSE_RANGE, "close_range", .file, SYS_close_range),
            io(OBS_SC_DUP2, "dup2", .file, dup2),
            io(OBS_SC_DUP3, "dup3", .file, SYS_dup3),
            io(OBS_SC_IO_URING_SETUP, "io_uring_setup", .file, SYS_io_uring_setup),
            io(OBS_SC_SENDTO, "sendto", .network, SYS_sendto),
            io(OBS_SC_SENDMSG, "sendmsg", .network, SYS_sendmsg),
            io(OBS_SC_SENDMMSG, "sendmmsg", .network, SYS_sendmmsg),
            io(OBS_SC_RECVFROM, "recvfrom", .network, SYS_recvfrom),
            io(OBS_SC_RECVMSG, "recvmsg", .network, SYS_recvmsg),
            io(OBS_SC_RECVMMSG, "recvmmsg", .network, SYS_recvmmsg),
            io(OBS_SC_SOCKET, "socket", .network, SYS_socket),
        ].filter { $0.number != nil }
    }()

    /// Every syscall the programs may observe: the streamed ones and byte counting's.
    static let every: [ObservedSyscall] = all + counted

    /// The legacy syscalls only some architectures have (x86_64 does, arm64 does not).
    private typealias Legacy = (
        open: Int32?, creat: Int32?, unlink: Int32?, rmdir: Int32?, mkdir: Int32?, rename: Int32?, link: Int32?,
        symlink: Int32?
    )

    /// The syscalls a run observing `categories` enables; the byte-counting ones only when
    /// `countingBytes`, and then all of them for either the file or the network category.
    /// DNS (`bpf/obs_dns.bpf.h`) rides on the I/O calls that can carry it: with the network
    /// category they are observed even when bytes are not counted.
    static func of(_ categories: Set<EventCategory>, countingBytes: Bool = false) -> [ObservedSyscall] {
        let counting = countingBytes && !categories.isDisjoint(with: [.file, .network])
        let dns = categories.contains(.network)
        return all.filter { categories.contains($0.category) }
            + counted.filter { counting || dns && dnsCarriers.contains($0.id) }
    }

    /// The `obs_filter_syscalls` bitmap of a run filtering by `kinds`: bit `id` for each syscall
    /// that can produce a kind asked for (`obs_syscall` ids; `bpf/obs_filter.bpf.h`). The file and
    /// socket records of the other syscalls are not built. `obs_syscalls` itself is left whole: a
    /// syscall may serve more than its events.
    static func filterBitmap(_ kinds: Set<StreamedKind>) -> (low: UInt64, high: UInt64) {
        let names = Set(kinds.map(\.name))
        var bits: (low: UInt64, high: UInt64) = (0, 0)
        for sc in all where sc.kinds.contains(where: names.contains) && sc.id < 128 {
            if sc.id < 64 { bits.low |= 1 << UInt64(sc.id) } else { bits.high |= 1 << UInt64(sc.id - 64) }
        }
        return bits
    }
    /// The calls a DNS message is sent or received with: glibc's resolver `sendmmsg`s (or
    /// `send`s) and `recvfrom`s over UDP, `writev`s and `read`s over TCP; other resolvers use the
    /// rest.
    static let dnsCarriers: Set<UInt32> = Set(
        [
            OBS_SC_READ, OBS_SC_WRITE, OBS_SC_READV, OBS_SC_WRITEV, OBS_SC_SENDTO, OBS_SC_SENDMSG,
            OBS_SC_SENDMMSG, OBS_SC_RECVFROM, OBS_SC_RECVMSG, OBS_SC_RECVMMSG,
        ].map(\.rawValue))
}
