/*
 * The kernel contract: everything the eBPF programs (bpf/observer.bpf.c) and user space must
 * agree on. The records and map layouts, the size rule of every variable-length record, the
 * limits, the names of the maps, programs and read-only globals, and the ABI version. Both sides
 * include this very file: the BPF compile through -I, Swift through the CObserverBPF module, so
 * the _Static_asserts at the end are checked by both compilers. Fixed-width types and
 * fixed-size arrays only.
 *
 * Records are variable-length on the wire: a BPF program fills the whole struct in a per-CPU
 * scratch slot and sends only the prefix up to the end of its last string
 * (bpf_ringbuf_output), so a 20-byte path costs 20 bytes of ring, not 4096. The OBS_*_REC_SIZE
 * rules below say exactly how many bytes a record of each type occupies; the programs send that
 * many and the decoder (RecordDecoder.swift) drops, and counts, any record of another size.
 *
 * What the C compilers cannot check (the BPF side's map, program and global names, which are C
 * identifiers there) is checked by KernelContractTests against the built object.
 */
#ifndef OBS_RECORDS_H
#define OBS_RECORDS_H

#include <linux/types.h>

/*
 * The contract's version. Bump it on any change to this file that changes what either side
 * reads or writes. The object carries it as the read-only global OBS_GLOBAL_ABI_VERSION, and
 * user space refuses to open an object of another version.
 */
#define OBS_ABI_VERSION 16

/* The names user space looks up in the object (bpf_object__find_{map,program}_by_name). */
#define OBS_MAP_EVENTS "obs_events"
#define OBS_MAP_TRACKED "obs_tracked"
#define OBS_MAP_INFLIGHT "obs_inflight"
#define OBS_MAP_SYSCALLS "obs_syscalls"
#define OBS_MAP_COUNTERS "obs_counters"
#define OBS_MAP_SC_PROCS "obs_sc_procs"
#define OBS_MAP_SC_STATS "obs_sc_stats"
#define OBS_MAP_SC_SPILL "obs_sc_spill"                     /* since ABI 14 */
#define OBS_MAP_SC_START "obs_sc_start"                     /* since ABI 15 */
#define OBS_MAP_IO "obs_io"
#define OBS_MAP_TRACKED_BITS "obs_tracked_bits"     /* since ABI 16 */
#define OBS_MAP_IO_URING "obs_io_uring"
#define OBS_MAP_RODATA ".rodata"
#define OBS_GLOBAL_ABI_VERSION "obs_abi_version"
#define OBS_GLOBAL_WANT_PROCESS "obs_want_process"
#define OBS_GLOBAL_WAKEUP_BYTES "obs_wakeup_bytes"
#define OBS_GLOBAL_RESOLVE_PATHS "obs_resolve_paths"
#define OBS_GLOBAL_FILTER_CGROUP_ID "obs_filter_cgroup_id"
#define OBS_GLOBAL_OBSERVER_TGID "obs_observer_tgid"
#define OBS_GLOBAL_SYSCALL_SUMMARY "obs_syscall_summary"
#define OBS_GLOBAL_SC_EMIT_CPUS "obs_sc_emit_cpus"               /* since ABI 8 */
#define OBS_GLOBAL_SC_TASK_START "obs_sc_task_start"             /* since ABI 15 */
#define OBS_GLOBAL_FILTER_FAILED_ONLY "obs_filter_failed_only"       /* since ABI 8 */
#define OBS_GLOBAL_FILTER_SLOWER_THAN_NS "obs_filter_slower_than_ns" /* since ABI 8 */
#define OBS_GLOBAL_FILTER_KINDS "obs_filter_kinds"                   /* since ABI 8 */
#define OBS_GLOBAL_FILTER_SYSCALLS_LOW "obs_filter_syscalls_low"     /* since ABI 8 */
#define OBS_GLOBAL_FILTER_SYSCALLS_HIGH "obs_filter_syscalls_high"   /* since ABI 8 */
#define OBS_GLOBAL_COUNT_IO "obs_count_io"
#define OBS_GLOBAL_WANT_DNS "obs_want_dns"
#define OBS_PROG_TP_SYS_ENTER "obs_tp_sys_enter"
#define OBS_PROG_TP_SYS_EXIT "obs_tp_sys_exit"
#define OBS_PROG_RAW_SYS_ENTER "obs_raw_sys_enter" /* absent where OBS_NO_RAW_SYSCALLS (obs_core.h) */
#define OBS_PROG_RAW_SYS_EXIT "obs_raw_sys_exit"
#define OBS_PROG_SCHED_PROCESS_FORK "obs_sched_process_fork"
#define OBS_PROG_SCHED_PROCESS_EXEC "obs_sched_process_exec"
#define OBS_PROG_SCHED_PROCESS_EXIT "obs_sched_process_exit"

/* Map sizes and defaults. */
#define OBS_RING_BYTES 8388608          /* the obs_events ring buffer: 8 MiB (user space may resize) */
#define OBS_WAKEUP_BYTES 262144         /* default obs_wakeup_bytes: 256 KiB queued wakes the consumer */
#define OBS_TRACKED_MAX 65536           /* processes in the obs_tracked map */
#define OBS_TRACKED_WORDS 65536         /* obs_tracked_bits: one bit per pid up to PID_MAX_LIMIT (4,194,304) */
#define OBS_INFLIGHT_MAX 16384          /* threads inside an observed syscall at once */
#define OBS_DIR_CACHE_MAX 256           /* directories whose resolved path is cached */
#define OBS_WALK_STEPS_MAX 2048         /* dentries and mount crossings one path walk may take */
#define OBS_SC_PROCS_MAX 16384         /* processes the syscall summary counts at once (obs_sc_procs) */
#define OBS_SC_STATS_MAX 65536         /* (process, syscall) pairs it counts at once (obs_sc_stats + obs_sc_spill) */
#define OBS_CGROUP_DEPTH_MAX 64         /* cgroup v2 levels the --cgroup ancestry check looks through */
#define OBS_IO_MAX 65536                /* (process, descriptor) pairs whose I/O is counted at once (obs_io) */
#define OBS_IO_URING_MAX 4096           /* processes that called io_uring_setup, until their exit */
#define OBS_THREADS_MAX 4096            /* threads the exit program sums I/O totals over */

/* Capture limits (documented in Docs/EVENTS.md). */
#define OBS_PATH_MAX 4096      /* a path, NUL included: PATH_MAX, the kernel's own limit */
#define OBS_ARGV_MAX 4096      /* exec argv, NUL-separated, in total */
#define OBS_ARG_MAX 1024       /* one argument of a failed exec (read from the caller's argv) */
#define OBS_ARGS_MAX 64        /* arguments of a failed exec */
#define OBS_SOCKADDR_MAX 128   /* sizeof(struct sockaddr_storage) */
#define OBS_COMM_LEN 16
#define OBS_NAME_MAX 255       /* one path component (NAME_MAX) */
#define OBS_DNS_PAYLOAD_MAX 1024 /* bytes of one DNS payload kept (obs_dns_rec.data) */
#define OBS_DNS_IOV_MAX 4      /* iovecs of one call (writev, sendmsg...) a DNS payload is gathered from */
#define OBS_DNS_MMSG_MAX 4     /* messages of one sendmmsg/recvmmsg whose payloads are kept */
#define OBS_DNS_PORT 53        /* a socket whose peer or local port is this carries DNS */

/* obs_header.type */
enum obs_record_type {
    OBS_REC_FORK = 1,
    OBS_REC_EXEC = 2,
    OBS_REC_EXIT = 3,
    OBS_REC_FILE = 4,
    OBS_REC_SOCK = 5,
    OBS_REC_FILE_CLOSE = 6, /* since ABI 9 */
    OBS_REC_SOCK_CLOSE = 7, /* since ABI 9 */
    OBS_REC_SC = 8,       /* a process's syscall summary, built in the kernel (since ABI 8) */
    OBS_REC_DNS = 10,     /* since ABI 10 */
};

/* Flags on a captured string or sockaddr. */
enum obs_capture_flags {
    /* The value was longer than the buffer; the bytes kept are its beginning. */
    OBS_CAPTURE_TRUNCATED = 1,
    /* The user memory could not be read at all; no bytes are kept. */
    OBS_CAPTURE_UNREADABLE = 2,
    /* Nothing was asked for (accept with a NULL address): not a failure to read. */
    OBS_CAPTURE_NOT_REQUESTED = 4,
    /* A successful execveat's path in the kernel's "/dev/fd/N/path" (or "/dev/fd/N") form, for a
       dirfd with a relative (or empty) path: the path as passed is what follows "/dev/fd/N/". */
    OBS_CAPTURE_FDPATH = 8,
};

/*
 * A path resolved in the kernel (bpf/obs_path.bpf.h): where its bytes come from. The walk
 * writes the path of a dentry as the process sees it (up to its fs->root, across mounts).
 */
enum obs_path_source {
    /* Not resolved: resolution is off, or the path as passed is already absolute. */
    OBS_SOURCE_NONE = 0,
    /* The whole path of the file the call returned or acted on (an opened fd, the new working
       directory of chdir/fchdir, the executed file, the file of an AT_EMPTY_PATH dirfd). */
    OBS_SOURCE_FILE = 1,
    /* The path of the call's directory fd: user space joins the path as passed to it. */
    OBS_SOURCE_DIRFD = 2,
    /* The caller's working directory (task->fs->pwd): user space joins the path as passed. */
    OBS_SOURCE_CWD = 3,
    /* A close record's path is the one its descriptor's open record carried (since ABI 14): the open
       was sent with the file's whole path, and no rename, rmdir or unlink has happened since
       (obs_path_generation, the dentry still hashed), so the kernel does not walk it again and
       user space takes it from that open (process, descriptor). len is 0. */
    OBS_SOURCE_OPENED = 4,
};

/* Flags on a resolved path (obs_str.flags when obs_str.source is not OBS_SOURCE_NONE). */
enum obs_path_flags {
    /* Too many components or bytes: the string holds the path's last components, without its
       leading '/'. */
    OBS_PATH_TRUNCATED = 1,
    /* The walk could not be made (a pseudo file with no path, an fd not open, a read that
       failed); no bytes are kept. */
    OBS_PATH_UNWALKABLE = 2,
    /* The file or directory had been deleted (its dentry unhashed). */
    OBS_PATH_DELETED = 4,
    /* The walk reached the root of the mount namespace without meeting the process's root
       (chroot, a mount namespace): the path is from that namespace's root. */
    OBS_PATH_OUTSIDE_ROOT = 8,
};

/*
 * The syscalls the programs understand. User space fills the obs_syscalls map (index: this
 * architecture's syscall number, from Swift's SYS_* constants; value: one of these) for the
 * categories a run asks for; a syscall not in the map is ignored at entry.
 */
enum obs_syscall {
    OBS_SC_NONE = 0,
    OBS_SC_OPEN, OBS_SC_OPENAT, OBS_SC_OPENAT2, OBS_SC_CREAT,
    OBS_SC_UNLINK, OBS_SC_UNLINKAT, OBS_SC_RMDIR, OBS_SC_MKDIR, OBS_SC_MKDIRAT,
    OBS_SC_RENAME, OBS_SC_RENAMEAT, OBS_SC_RENAMEAT2,
    OBS_SC_CHDIR, OBS_SC_FCHDIR, OBS_SC_LINK, OBS_SC_LINKAT, OBS_SC_SYMLINK, OBS_SC_SYMLINKAT,
    OBS_SC_EXECVE, OBS_SC_EXECVEAT,
    OBS_SC_CONNECT, OBS_SC_ACCEPT, OBS_SC_ACCEPT4, OBS_SC_BIND, OBS_SC_LISTEN,
    /* Byte counting (since ABI 9; enabled only with obs_count_io): the I/O calls, OBS_SC_READ to
       OBS_SC_RECVMMSG, counted at their exit; */
    OBS_SC_READ, OBS_SC_WRITE, OBS_SC_PREAD64, OBS_SC_PWRITE64, OBS_SC_READV, OBS_SC_WRITEV,
    OBS_SC_PREADV, OBS_SC_PWRITEV, OBS_SC_PREADV2, OBS_SC_PWRITEV2,
    OBS_SC_SENDFILE, OBS_SC_COPY_FILE_RANGE, OBS_SC_SPLICE,
    OBS_SC_SENDTO, OBS_SC_SENDMSG, OBS_SC_SENDMMSG, OBS_SC_RECVFROM, OBS_SC_RECVMSG, OBS_SC_RECVMMSG,
    /* the calls that end a descriptor (close and close_range at their entry, dup2/dup3 replacing
       one at their exit); */
    OBS_SC_CLOSE, OBS_SC_CLOSE_RANGE, OBS_SC_DUP2, OBS_SC_DUP3,
    /* and the calls that start a socket's life (socket; accept and connect are above) and mark
       a process whose I/O may bypass the counts (io_uring_setup). */
    OBS_SC_SOCKET, OBS_SC_IO_URING_SETUP,
    OBS_SC_COUNT
};

#define OBS_MAX_SYSCALL_NR 1024 /* size of the obs_syscalls map */

/* The file operation of an OBS_REC_FILE record. */
enum obs_file_op {
    OBS_FILE_OPEN = 1,
    OBS_FILE_UNLINK = 2,
    OBS_FILE_RMDIR = 3,
    OBS_FILE_MKDIR = 4,
    OBS_FILE_RENAME = 5,
    OBS_FILE_CHDIR = 6,
    OBS_FILE_FCHDIR = 7,
    OBS_FILE_LINK = 8,
    OBS_FILE_SYMLINK = 9,
};

/* The socket operation of an OBS_REC_SOCK record. */
enum obs_sock_op {
    OBS_SOCK_CONNECT = 1,
    OBS_SOCK_ACCEPT = 2,
    OBS_SOCK_BIND = 3,
    OBS_SOCK_LISTEN = 4,
};

/* Indexes into the per-CPU obs_counters map. */
enum obs_counter {
    /* Records a program tried to send (after filtering). */
    OBS_COUNTER_EMITTED = 0,
    /* Of those, records the ring buffer had no room for. */
    OBS_COUNTER_LOST = 1,
    /* Lost records not yet reported in a record's lost_before (per CPU). */
    OBS_COUNTER_PENDING_LOST = 2,
    /* Syscall summary: processes that could not be counted at all (obs_sc_procs was full). Their
       calls are in no record; user space reports this count at the run's end. Since ABI 7. */
    OBS_COUNTER_SC_DROPPED_PROCS = 3,
    /* Byte counting: I/O calls not counted because obs_io was full (since ABI 9). */
    OBS_COUNTER_IO_DROPPED = 4,
    OBS_COUNTER_COUNT = 5,
};

/* Starts every record. tgid/tid/ptgid are initial-pid-namespace ids of the acting task. */
struct obs_header {
    __u64 ts_ns;          /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
    __u32 type;           /* enum obs_record_type */
    __u32 tgid;           /* process id */
    __u32 tid;            /* thread id */
    __u32 ptgid;          /* the parent's process id (task->real_parent->tgid), 0 if unknown */
    __u32 lost_before;    /* records this CPU failed to send since its previous record */
    __u32 pad;            /* zero */
    char comm[OBS_COMM_LEN];
    /* The acting task's cgroup v2 id (bpf_get_current_cgroup_id(): the inode number of its
       cgroup directory); for fork, the parent's, which the child starts in. Since ABI 2. */
    __u64 cgroup_id;
};

/* sched_process_fork of a tracked parent creating a new thread group. The header is the child. */
struct obs_fork_rec {
    struct obs_header h;
    __u32 parent_tgid;
    __u32 parent_tid;
};

/* The last thread of a tracked thread group exited (sched_process_exit with the group dead). */
struct obs_exit_rec {
    struct obs_header h;
    __s32 status;         /* the wait(2) status word */
    __u32 flags;          /* OBS_EXIT_* */
    /* The thread group's peak RSS in pages (signal->maxrss, what wait4's ru_maxrss reports in
       KiB): the largest of the images it ran, each folded in when exec replaced it and the last
       one when do_exit of the last thread dropped it. Valid with OBS_EXIT_MAXRSS. Since ABI 6. */
    __u64 maxrss_pages;
    /* The exiting image's own peak RSS in pages, since its exec (get_mm_hiwater_rss of task->mm,
       still attached at sched_process_exit since Linux 6.16). Valid with OBS_EXIT_IMAGE_RSS. */
    __u64 image_rss_pages;
    /* The thread group's I/O totals (since ABI 9): the kernel's own task_io_accounting, what
       /proc/PID/io prints, summed as it sums them for a whole process (signal->ioac, the threads
       already released, plus every thread still on the group's list, this last one included).
       rchar..syscw valid with OBS_EXIT_IO_CHARS (CONFIG_TASK_XACCT), read_bytes..cancelled with
       OBS_EXIT_IO_BYTES (CONFIG_TASK_IO_ACCOUNTING). */
    __u64 rchar;
    __u64 wchar;
    __u64 syscr;
    __u64 syscw;
    __u64 read_bytes;
    __u64 write_bytes;
    __u64 cancelled_write_bytes;
};

/* obs_exit_rec.flags: the OOM killer chose this thread group (the kernel's mark_oom_victim set
 * its signal->oom_mm; a memory.oom.group kill marks every process it ends). */
#define OBS_EXIT_OOM_KILLED 0x1
/* obs_exit_rec.maxrss_pages was read (the kernel's BTF has signal_struct.maxrss). */
#define OBS_EXIT_MAXRSS 0x2
/* obs_exit_rec.image_rss_pages was read: the mm was still attached and its counters readable. */
#define OBS_EXIT_IMAGE_RSS 0x4
/* obs_exit_rec.rchar, wchar, syscr and syscw were read (since ABI 9). */
#define OBS_EXIT_IO_CHARS 0x8
/* obs_exit_rec.read_bytes, write_bytes and cancelled_write_bytes were read (since ABI 9). */
#define OBS_EXIT_IO_BYTES 0x10
/* The process called io_uring_setup successfully while byte counting was on: what it did through
   io_uring is in no close record (since ABI 9). */
#define OBS_EXIT_IO_URING 0x20

/*
 * A string in a record's data area. The strings of a record are packed in the order of its
 * obs_str array, each taking exactly len bytes, so a record is sent up to the end of its last
 * string. A path as passed has OBS_CAPTURE_* flags and source 0; a resolved path has
 * OBS_PATH_* flags and an enum obs_path_source.
 */
struct obs_str {
    __u16 len;            /* bytes, NUL included; 0 when absent or unreadable */
    __u8 flags;
    __u8 source;          /* enum obs_path_source */
};

/* The strings of an exec record, in data order after argv. */
enum obs_exec_str {
    OBS_EXEC_STR_PATH = 0,     /* the path as passed to execve/execveat */
    OBS_EXEC_STR_RESOLVED = 1, /* the executed file, or the base to join the path to */
    OBS_EXEC_STR_CWD = 2,      /* the working directory at the exec */
    OBS_EXEC_STR_COUNT = 3,
};

/*
 * execve/execveat. A successful exec is reported at sched_process_exec, a failed one at the
 * syscall's exit. The path as passed comes from the kernel's copy on success (bprm->filename,
 * see OBS_CAPTURE_FDPATH), from the caller's memory on failure; argv is the new image's
 * arg_start..arg_end on success, the caller's own pointers on failure. data holds argv
 * (NUL-separated), then the strings.
 */
struct obs_exec_rec {
    struct obs_header h;
    __s64 ret;
    __s32 dfd;            /* execveat's directory fd; AT_FDCWD (-100) for execve */
    __u16 argv_len;       /* bytes of argv at the start of data */
    __u8 argv_flags;      /* OBS_CAPTURE_TRUNCATED: more (or longer) arguments existed */
    __u8 syscall;         /* enum obs_syscall */
    struct obs_str str[OBS_EXEC_STR_COUNT];
    __u32 pad;            /* zero */
    char data[OBS_ARGV_MAX + OBS_EXEC_STR_COUNT * OBS_PATH_MAX];
};

/* The strings of a file record, in data order. */
enum obs_file_str {
    OBS_FILE_STR_PATH = 0,      /* the path as passed (symlink: the link's name) */
    OBS_FILE_STR_PATH2 = 1,     /* rename/link: the new name; symlink: the target text */
    OBS_FILE_STR_RESOLVED = 2,  /* PATH resolved, or the base to join it to */
    OBS_FILE_STR_RESOLVED2 = 3, /* rename/link: PATH2 resolved, or its base */
    OBS_FILE_STR_COUNT = 4,
};

/* open/openat/openat2/creat, unlink(at), rmdir, mkdir(at), rename(at,at2), chdir, fchdir,
   link(at), symlink(at). */
struct obs_file_rec {
    struct obs_header h;
    __s64 ret;
    __s32 dfd;            /* PATH's directory fd (AT_FDCWD = -100 when none was passed) */
    __s32 dfd2;           /* PATH2's directory fd (renameat*, linkat) */
    __s32 flags;          /* open flags; unlinkat/renameat2/linkat flags */
    __u32 mode;           /* open/creat/mkdir mode */
    __s32 fd;             /* fchdir's descriptor */
    __u8 op;              /* enum obs_file_op */
    __u8 syscall;         /* enum obs_syscall */
    __u16 pad;            /* zero */
    __u64 duration_ns;    /* the call's time in the kernel, sys_enter to sys_exit (since ABI 8) */
    struct obs_str str[OBS_FILE_STR_COUNT];
    char data[OBS_FILE_STR_COUNT * OBS_PATH_MAX];
};

/* connect, accept/accept4, bind, listen. */
struct obs_sock_rec {
    struct obs_header h;
    __s64 ret;
    __s32 fd;
    __s32 backlog;        /* listen */
    __u32 addr_len;       /* bytes of addr read; 0 when none or unreadable */
    __u8 op;              /* enum obs_sock_op */
    __u8 syscall;         /* enum obs_syscall */
    __u8 addr_flags;      /* enum obs_capture_flags */
    __u8 pad;             /* zero */
    __u64 duration_ns;    /* the call's time in the kernel, sys_enter to sys_exit (since ABI 8) */
    __u8 addr[OBS_SOCKADDR_MAX];
    /* For a unix address with a relative path: the caller's working directory to join it to
       (source OBS_SOURCE_CWD); len 0 otherwise. */
    struct obs_str cwd;
    __u32 pad2;           /* zero */
    char data[OBS_PATH_MAX];
};

/*
 * DNS (since ABI 10): the payload of one send or receive on a UDP or TCP socket whose peer or
 * local port is OBS_DNS_PORT, for user space to decode (RFC 1035) and pair queries with answers.
 * Only with obs_want_dns (the network category). The first OBS_DNS_PAYLOAD_MAX bytes the call
 * moved are kept, gathered across its first OBS_DNS_IOV_MAX iovecs; a sendmmsg or recvmmsg
 * sends one record per message, for its first OBS_DNS_MMSG_MAX messages. Over TCP a payload is
 * a piece of the byte stream (length prefixes included), which user space reassembles.
 */
enum obs_dns_direction {
    OBS_DNS_SENT = 1,
    OBS_DNS_RECEIVED = 2,
};

enum obs_dns_transport {
    OBS_DNS_UDP = 1,      /* SOCK_DGRAM */
    OBS_DNS_TCP = 2,      /* SOCK_STREAM */
};

struct obs_dns_rec {
    struct obs_header h;
    __s64 ret;            /* the call's return value */
    __u32 moved;          /* bytes of this message the call moved (a *mmsg: its msg_len) */
    __s32 fd;
    __u8 syscall;         /* enum obs_syscall */
    __u8 direction;       /* enum obs_dns_direction */
    __u8 transport;       /* enum obs_dns_transport */
    __u8 flags;           /* OBS_CAPTURE_TRUNCATED: moved > len (the bound, or an iovec past the last read) */
    __u16 family;         /* AF_INET or AF_INET6: of both addresses */
    __u16 remote_port;    /* host order: the connected peer's, else the call's own address's */
    __u16 local_port;     /* host order */
    __u16 len;            /* bytes of data kept */
    __u16 msg_index;      /* the message's index in a sendmmsg/recvmmsg; 0 otherwise */
    __u16 pad;            /* zero */
    __u8 remote_addr[16]; /* network order; an IPv4 address in the first 4 bytes */
    __u8 local_addr[16];
    __u8 data[OBS_DNS_PAYLOAD_MAX];
};

/* The value of the tracked map (key: tgid). */
struct obs_tracked {
    __u32 parent_tgid;
    __u32 flags;          /* OBS_TRACKED_* (since ABI 9; zero before) */
};

/* obs_tracked.flags: the process is a spawned child waiting at the start gate, whose I/O (the
   gate's own pipe) is not the command's: its bytes are not counted until its exec. */
#define OBS_TRACKED_GATED 0x1

/* A syscall entry waiting for its exit (key: pid_tgid). */
struct obs_inflight {
    __u32 syscall;        /* enum obs_syscall */
    __u32 accept_addrlen; /* accept/accept4: the caller's *addrlen at entry (its buffer's size) */
    __u64 args[6];
    /* bpf_ktime_get_ns() at sys_enter, on every saved entry since ABI 8 (the duration_ns of
       file and socket records, and the summary's time), and the syscall's number on this
       architecture (the summary only, since ABI 7; zero when it is off). */
    __u64 start_ns;
    __u32 nr;
    __u32 pad;            /* zero */
};

/*
 * The syscall summary (obs_syscall_summary; obsctl watch -c). Per process of the observed tree
 * and per syscall number, in the kernel: nothing per call crosses the ring buffer. A process is
 * counted from its first exec seen by the observer (the command's own execve included; the
 * spawn's set-up before it is not), from its fork when its parent is counted, and from the
 * attach when user space attached to it already running. Calls are counted at sys_exit, so
 * exit and exit_group (which never return) are not listed, as strace -c does not.
 */

/* obs_sc_stats and obs_sc_spill key. */
struct obs_sc_key {
    __u32 tgid;
    __u32 nr;             /* the syscall's number on this architecture, < OBS_MAX_SYSCALL_NR */
};

#define OBS_SC_HIST_BUCKETS 40 /* log2 buckets of ns: bucket i holds [2^i, 2^(i+1)), 0 also 0, 39 the rest */
#define OBS_SC_ERRNO_SLOTS 4   /* distinct errnos kept per syscall, process and CPU; more go to errno_other */

/* obs_sc_stats and obs_sc_spill value (per-CPU hashes: the reader sums the CPUs, and both maps). */
struct obs_sc_stat {
    __u64 calls;
    __u64 errors;         /* returns in [-4095, -1], ERESTART* included, as strace counts them */
    __u64 total_ns;       /* time from sys_enter to sys_exit */
    __u64 min_ns;         /* valid when calls > 0 */
    __u64 max_ns;
    __u32 errno_nr[OBS_SC_ERRNO_SLOTS];    /* 0: slot free */
    __u64 errno_count[OBS_SC_ERRNO_SLOTS];
    __u64 errno_other;    /* errors whose errno found no free slot */
    __u32 hist[OBS_SC_HIST_BUCKETS];
};

/* obs_sc_procs value (key: tgid): the process is counted; which numbers it used, and what was
 * not counted for want of room in obs_sc_stats and obs_sc_spill. */
struct obs_sc_proc {
    __u64 dropped;        /* calls not counted: obs_sc_stats and obs_sc_spill were full */
    __u64 spilled;        /* nonzero: some (tgid, nr) entry is in obs_sc_spill (since ABI 14); a
                             reader sums the two maps' values of each number then */
    __u64 seen[OBS_MAX_SYSCALL_NR / 64]; /* bit nr: obs_sc_stats or obs_sc_spill has (tgid, nr) */
};

/* One syscall of a summary record: the number and its value summed over the CPUs. */
struct obs_sc_entry {
    __u32 nr;
    __u32 pad;            /* zero */
    struct obs_sc_stat stat;
};

#define OBS_SC_REC_ENTRIES 32 /* syscalls per summary record (a power of two) */

/*
 * A process's syscall summary, built in the kernel at its last thread's sched_process_exit when
 * obs_sc_emit_cpus is set (since ABI 8): every (tgid, nr) entry its obs_sc_procs bitmap names,
 * summed over the CPUs, then deleted with the process's own entry. A process that used more than
 * OBS_SC_REC_ENTRIES syscalls sends several records, all but the last with last = 0; they come
 * before its exit record. Sent up to the end of its count-th entry.
 */
struct obs_sc_rec {
    struct obs_header h;  /* the exiting thread */
    __u64 dropped;        /* the process's dropped calls (obs_sc_proc.dropped); 0 unless last */
    __u32 count;          /* entries that follow, at most OBS_SC_REC_ENTRIES */
    __u32 last;           /* 1: the process's last summary record */
    struct obs_sc_entry entries[OBS_SC_REC_ENTRIES];
};

/*
 * Byte counting (obs_count_io; since ABI 9). The key of a count is the process and descriptor
 * that made the call (strace's view): each successful I/O call adds its return value and one
 * call to (tgid, fd), on the read or the write side. A descriptor shared by dup or inherited by
 * fork is another key, so no byte is counted twice nor lost, and one file may end in several
 * records (one per descriptor that did I/O on it). sendfile, copy_file_range and splice are a
 * read on their input descriptor and a write on their output; sendmmsg/recvmmsg count the bytes
 * of the messages sent or received (msg_len of each) and one call. An entry is made at the first
 * I/O call (or at an observed open, socket, accept or connect, for open_ts), and one close record
 * is sent when the descriptor ends (close, close_range, dup2/dup3 onto it, close-on-exec, the
 * process's exit) if any I/O call was counted; the entry is then deleted.
 */

/* obs_count_io (a read-only global): which close records to send. Zero: nothing is counted,
   and the I/O calls are not even observed. */
#define OBS_COUNT_IO_FILES 0x1
#define OBS_COUNT_IO_SOCKETS 0x2

/* obs_io key. */
struct obs_io_key {
    __u32 tgid;
    __s32 fd;
};

/* obs_io value. The counts are updated with atomic adds (threads share a descriptor table). */
struct obs_io_stat {
    __u64 file;           /* the struct file's address when the entry was made */
    __u64 open_ts;        /* bpf_ktime_get_ns() of the observed open/socket/accept/connect; 0: not seen */
    __u64 bytes_read;     /* on a socket: received */
    __u64 bytes_written;  /* on a socket: sent */
    __u64 reads;
    __u64 writes;
    __u32 path_gen;       /* obs_path_generation when the open's record was sent (OBS_IO_PATH_SENT) */
    __u32 flags;          /* enum obs_io_flags */
};

/* obs_io_stat.flags. */
enum obs_io_flags {
    /* The open that made the descriptor was sent with its path resolved from the file (whole,
       walkable): its close record may say OBS_SOURCE_OPENED instead of walking again. */
    OBS_IO_PATH_SENT = 1,
    /* An inet (IPv4/IPv6) UDP or TCP socket: its calls may carry DNS (bpf/obs_dns.bpf.h). */
    OBS_IO_INET = 2,
};

/* What ended a descriptor (obs_file_close_rec.closed_by, obs_sock_close_rec.closed_by). */
enum obs_closed_by {
    OBS_CLOSED_BY_CLOSE = 1,
    OBS_CLOSED_BY_CLOSE_RANGE = 2,
    OBS_CLOSED_BY_EXEC = 3,       /* close-on-exec at a successful exec */
    OBS_CLOSED_BY_EXIT = 4,       /* the process's last thread exited (a kill included) */
    OBS_CLOSED_BY_DUP = 5,        /* dup2/dup3 made the descriptor another file's */
};

/* Superblock magics (include/uapi/linux/magic.h) that say what a pathless file is. */
#define OBS_PIPEFS_MAGIC 0x50495045
#define OBS_SOCKFS_MAGIC 0x534F434B
#define OBS_ANON_INODE_FS_MAGIC 0x09041934

/*
 * A descriptor of a file (not a socket) that did I/O was closed. path is walked from the struct
 * file (OBS_SOURCE_FILE); for a file with no path (a pipe, an anonymous inode: OBS_PATH_UNWALKABLE)
 * it holds the dentry's own name instead, with source OBS_SOURCE_NONE, and magic and ino say
 * what it is (pipefs: "pipe:[ino]"; anon_inodefs: "anon_inode:" + the name).
 */
struct obs_file_close_rec {
    struct obs_header h;
    __u64 open_ts;
    __u64 bytes_read;
    __u64 bytes_written;
    __u64 reads;
    __u64 writes;
    __u64 ino;            /* the inode number */
    __u32 magic;          /* the superblock's s_magic */
    __s32 fd;
    __u16 mode;           /* the inode's i_mode (S_IFMT: regular, fifo, character device, ...) */
    __u8 closed_by;       /* enum obs_closed_by */
    __u8 pad;             /* zero */
    struct obs_str path;
    char data[OBS_PATH_MAX];
};

/*
 * A socket descriptor that did I/O was closed. local and peer are sockaddrs (sockaddr_in,
 * sockaddr_in6, sockaddr_un) read from the socket itself at the close; a length of 0 means none
 * (an unbound or unconnected socket, an unnamed unix socket).
 */
struct obs_sock_close_rec {
    struct obs_header h;
    __u64 open_ts;
    __u64 bytes_sent;
    __u64 bytes_received;
    __u64 sends;
    __u64 receives;
    __u64 ino;
    __s32 fd;
    __u8 closed_by;       /* enum obs_closed_by */
    __u8 pad;             /* zero */
    __u16 family;         /* sk_family */
    __u16 sock_type;      /* sk_type: SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET */
    __u16 protocol;       /* sk_protocol: IPPROTO_TCP, IPPROTO_UDP, ...; 0 for unix */
    __u16 local_len;
    __u16 peer_len;
    __u8 local[OBS_SOCKADDR_MAX];
    __u8 peer[OBS_SOCKADDR_MAX];
};

/*
 * The size rule: how many bytes a record of each type occupies on the wire, given its lengths.
 * Fork and exit records are sent whole. The others are sent up to the end of their data: an
 * exec record's is argv_len plus its strings' lengths, a file record's its strings' lengths, a
 * socket record's its cwd's length, a DNS record's len. Each length is at most OBS_PATH_MAX
 * (argv_len at most OBS_ARGV_MAX, a DNS record's len at most OBS_DNS_PAYLOAD_MAX), so a
 * record's data never exceeds its field.
 */
#define OBS_FORK_REC_SIZE sizeof(struct obs_fork_rec)
#define OBS_EXIT_REC_SIZE sizeof(struct obs_exit_rec)
#define OBS_EXEC_REC_BASE_SIZE __builtin_offsetof(struct obs_exec_rec, data)
#define OBS_EXEC_REC_SIZE(data_len) (OBS_EXEC_REC_BASE_SIZE + (data_len))
#define OBS_FILE_REC_BASE_SIZE __builtin_offsetof(struct obs_file_rec, data)
#define OBS_FILE_REC_SIZE(data_len) (OBS_FILE_REC_BASE_SIZE + (data_len))
#define OBS_SOCK_REC_BASE_SIZE __builtin_offsetof(struct obs_sock_rec, data)
#define OBS_SOCK_REC_SIZE(data_len) (OBS_SOCK_REC_BASE_SIZE + (data_len))
#define OBS_SC_REC_BASE_SIZE __builtin_offsetof(struct obs_sc_rec, entries)
#define OBS_SC_REC_SIZE(count) (OBS_SC_REC_BASE_SIZE + (count) * sizeof(struct obs_sc_entry))
#define OBS_FILE_CLOSE_REC_BASE_SIZE __builtin_offsetof(struct obs_file_close_rec, data)
#define OBS_FILE_CLOSE_REC_SIZE(data_len) (OBS_FILE_CLOSE_REC_BASE_SIZE + (data_len))
#define OBS_SOCK_CLOSE_REC_SIZE sizeof(struct obs_sock_close_rec)
#define OBS_DNS_REC_BASE_SIZE __builtin_offsetof(struct obs_dns_rec, data)
#define OBS_DNS_REC_SIZE(data_len) (OBS_DNS_REC_BASE_SIZE + (data_len))
#define OBS_MIN_REC_SIZE sizeof(struct obs_header)

/* The same rules as functions, for Swift (which imports neither function-like nor sizeof macros). */
static inline __u64 obs_min_rec_size(void) { return OBS_MIN_REC_SIZE; }
static inline __u64 obs_fork_rec_size(void) { return OBS_FORK_REC_SIZE; }
static inline __u64 obs_exit_rec_size(void) { return OBS_EXIT_REC_SIZE; }
static inline __u64 obs_exec_rec_size(__u64 data_len) { return OBS_EXEC_REC_SIZE(data_len); }
static inline __u64 obs_file_rec_size(__u64 data_len) { return OBS_FILE_REC_SIZE(data_len); }
static inline __u64 obs_sock_rec_size(__u64 data_len) { return OBS_SOCK_REC_SIZE(data_len); }
static inline __u64 obs_sc_rec_size(__u64 count) { return OBS_SC_REC_SIZE(count); }
static inline __u64 obs_file_close_rec_size(__u64 data_len) { return OBS_FILE_CLOSE_REC_SIZE(data_len); }
static inline __u64 obs_sock_close_rec_size(void) { return OBS_SOCK_CLOSE_REC_SIZE; }
static inline __u64 obs_dns_rec_size(__u64 data_len) { return OBS_DNS_REC_SIZE(data_len); }

/* The layout both compilers must produce (BPF and the host's clang under Swift). */
_Static_assert(sizeof(struct obs_header) == 56, "obs_header layout changed");
_Static_assert(__builtin_offsetof(struct obs_header, comm) == 32, "obs_header.comm moved");
_Static_assert(sizeof(struct obs_str) == 4, "obs_str layout changed");
_Static_assert(sizeof(struct obs_fork_rec) == 64, "obs_fork_rec layout changed");
_Static_assert(sizeof(struct obs_exit_rec) == 136, "obs_exit_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_exit_rec, rchar) == 80, "obs_exit_rec.rchar moved");
_Static_assert(sizeof(struct obs_io_key) == 8, "obs_io_key layout changed");
_Static_assert(sizeof(struct obs_io_stat) == 56, "obs_io_stat layout changed");
_Static_assert(__builtin_offsetof(struct obs_file_close_rec, path) == 116, "obs_file_close_rec.path moved");
_Static_assert(__builtin_offsetof(struct obs_file_close_rec, data) == 120, "obs_file_close_rec.data moved");
_Static_assert(sizeof(struct obs_file_close_rec) == 120 + 4096, "obs_file_close_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_sock_close_rec, local) == 120, "obs_sock_close_rec.local moved");
_Static_assert(sizeof(struct obs_sock_close_rec) == 376, "obs_sock_close_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_exit_rec, maxrss_pages) == 64, "obs_exit_rec.maxrss_pages moved");
_Static_assert(__builtin_offsetof(struct obs_exec_rec, str) == 72, "obs_exec_rec.str moved");
_Static_assert(__builtin_offsetof(struct obs_exec_rec, data) == 88, "obs_exec_rec.data moved");
_Static_assert(sizeof(struct obs_exec_rec) == 88 + 4096 + 3 * 4096, "obs_exec_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_file_rec, duration_ns) == 88, "obs_file_rec.duration_ns moved");
_Static_assert(__builtin_offsetof(struct obs_file_rec, str) == 96, "obs_file_rec.str moved");
_Static_assert(__builtin_offsetof(struct obs_file_rec, data) == 112, "obs_file_rec.data moved");
_Static_assert(sizeof(struct obs_file_rec) == 112 + 4 * 4096, "obs_file_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_sock_rec, duration_ns) == 80, "obs_sock_rec.duration_ns moved");
_Static_assert(__builtin_offsetof(struct obs_sock_rec, addr) == 88, "obs_sock_rec.addr moved");
_Static_assert(__builtin_offsetof(struct obs_sock_rec, data) == 224, "obs_sock_rec.data moved");
_Static_assert(sizeof(struct obs_sock_rec) == 224 + 4096, "obs_sock_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_dns_rec, remote_addr) == 88, "obs_dns_rec.remote_addr moved");
_Static_assert(__builtin_offsetof(struct obs_dns_rec, data) == 120, "obs_dns_rec.data moved");
_Static_assert(sizeof(struct obs_dns_rec) == 120 + OBS_DNS_PAYLOAD_MAX, "obs_dns_rec layout changed");
_Static_assert((OBS_DNS_PAYLOAD_MAX & (OBS_DNS_PAYLOAD_MAX - 1)) == 0, "OBS_DNS_PAYLOAD_MAX must be a power of two");
_Static_assert(OBS_DNS_PAYLOAD_MAX <= 0xffff, "obs_dns_rec.len no longer fits");
_Static_assert(sizeof(struct obs_tracked) == 8, "obs_tracked layout changed");
_Static_assert(sizeof(struct obs_inflight) == 72, "obs_inflight layout changed");
_Static_assert(sizeof(struct obs_sc_key) == 8, "obs_sc_key layout changed");
_Static_assert(sizeof(struct obs_sc_stat) == 256, "obs_sc_stat layout changed");
_Static_assert(sizeof(struct obs_sc_proc) == 16 + OBS_MAX_SYSCALL_NR / 8 && __builtin_offsetof(struct obs_sc_proc, seen) == 16, "obs_sc_proc layout changed");
_Static_assert(sizeof(struct obs_sc_entry) == 264, "obs_sc_entry layout changed");
_Static_assert(__builtin_offsetof(struct obs_sc_rec, dropped) == 56 && __builtin_offsetof(struct obs_sc_rec, count) == 64 && __builtin_offsetof(struct obs_sc_rec, last) == 68, "obs_sc_rec fields moved");
_Static_assert(__builtin_offsetof(struct obs_sc_rec, entries) == 72, "obs_sc_rec.entries moved");
_Static_assert((OBS_SC_REC_ENTRIES & (OBS_SC_REC_ENTRIES - 1)) == 0, "OBS_SC_REC_ENTRIES must be a power of two");
_Static_assert((OBS_MAX_SYSCALL_NR & (OBS_MAX_SYSCALL_NR - 1)) == 0, "OBS_MAX_SYSCALL_NR must be a power of two");
_Static_assert(__builtin_offsetof(struct obs_inflight, args) == 8, "obs_inflight.args moved");
/* The lengths fit their fields, and a whole field fits the record. */
_Static_assert(OBS_PATH_MAX <= 0xffff && OBS_ARGV_MAX <= 0xffff, "a length no longer fits __u16");
/* The BPF side masks offsets with these minus one to bound them for the verifier. */
_Static_assert((OBS_ARGV_MAX & (OBS_ARGV_MAX - 1)) == 0, "OBS_ARGV_MAX must be a power of two");
_Static_assert((OBS_PATH_MAX & (OBS_PATH_MAX - 1)) == 0, "OBS_PATH_MAX must be a power of two");
_Static_assert(OBS_ARGV_MAX + OBS_EXEC_STR_COUNT * OBS_PATH_MAX == 4 * OBS_PATH_MAX, "exec data is 4 paths");
_Static_assert(OBS_FILE_STR_COUNT * OBS_PATH_MAX == 4 * OBS_PATH_MAX, "file data is 4 paths");
_Static_assert((OBS_RING_BYTES & (OBS_RING_BYTES - 1)) == 0, "the ring size must be a power of two");

#endif
