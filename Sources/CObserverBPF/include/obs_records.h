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
#define OBS_ABI_VERSION 2

/* The names user space looks up in the object (bpf_object__find_{map,program}_by_name). */
#define OBS_MAP_EVENTS "obs_events"
#define OBS_MAP_TRACKED "obs_tracked"
#define OBS_MAP_INFLIGHT "obs_inflight"
#define OBS_MAP_SYSCALLS "obs_syscalls"
#define OBS_MAP_COUNTERS "obs_counters"
#define OBS_MAP_RODATA ".rodata"
#define OBS_GLOBAL_ABI_VERSION "obs_abi_version"
#define OBS_GLOBAL_WANT_PROCESS "obs_want_process"
#define OBS_GLOBAL_WAKEUP_BYTES "obs_wakeup_bytes"
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
#define OBS_INFLIGHT_MAX 16384          /* threads inside an observed syscall at once */

/* Capture limits (documented in Docs/EVENTS.md). */
#define OBS_PATH_MAX 4096      /* a path, NUL included: PATH_MAX, the kernel's own limit */
#define OBS_ARGV_MAX 4096      /* exec argv, NUL-separated, in total */
#define OBS_ARG_MAX 1024       /* one argument of a failed exec (read from the caller's argv) */
#define OBS_ARGS_MAX 64        /* arguments of a failed exec */
#define OBS_SOCKADDR_MAX 128   /* sizeof(struct sockaddr_storage) */
#define OBS_COMM_LEN 16

/* obs_header.type */
enum obs_record_type {
    OBS_REC_FORK = 1,
    OBS_REC_EXEC = 2,
    OBS_REC_EXIT = 3,
    OBS_REC_FILE = 4,
    OBS_REC_SOCK = 5,
};

/* Flags on a captured string or sockaddr. */
enum obs_capture_flags {
    /* The value was longer than the buffer; the bytes kept are its beginning. */
    OBS_CAPTURE_TRUNCATED = 1,
    /* The user memory could not be read at all; no bytes are kept. */
    OBS_CAPTURE_UNREADABLE = 2,
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
    OBS_SC_EXECVE, OBS_SC_EXECVEAT,
    OBS_SC_CONNECT, OBS_SC_ACCEPT, OBS_SC_ACCEPT4, OBS_SC_BIND, OBS_SC_LISTEN,
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
    OBS_COUNTER_COUNT = 3,
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
    __u32 pad;            /* zero */
};

/*
 * execve/execveat. A successful exec is reported at sched_process_exec (path from
 * bprm->filename, argv from the new image's arg_start..arg_end); a failed one at the syscall's
 * exit, from the caller's own pointers. argv holds the arguments NUL-separated.
 */
struct obs_exec_rec {
    struct obs_header h;
    __s64 ret;
    __u16 path_len;       /* bytes in path, NUL included; 0 when unreadable */
    __u16 argv_len;       /* bytes in argv */
    __u8 path_flags;      /* enum obs_capture_flags */
    __u8 argv_flags;      /* OBS_CAPTURE_TRUNCATED: more (or longer) arguments existed */
    __u8 syscall;         /* enum obs_syscall */
    __u8 pad;             /* zero */
    char path[OBS_PATH_MAX]; /* always sent whole */
    char argv[OBS_ARGV_MAX]; /* sent up to argv_len */
};

/* open/openat/openat2/creat, unlink(at), rmdir, mkdir(at), rename(at,at2). */
struct obs_file_rec {
    struct obs_header h;
    __s64 ret;
    __s32 dfd;            /* directory fd of the *at variants (AT_FDCWD = -100) */
    __s32 flags;          /* open flags; unlinkat/renameat2 flags */
    __u32 mode;           /* open/creat/mkdir mode */
    __u8 op;              /* enum obs_file_op */
    __u8 syscall;         /* enum obs_syscall */
    __u8 path_flags;
    __u8 path2_flags;
    __u16 path_len;       /* bytes, NUL included; 0 when unreadable */
    __u16 path2_len;      /* rename's new path; 0 for the other operations */
    __u32 pad;            /* zero */
    char path[OBS_PATH_MAX];  /* sent up to path_len, or whole for a rename */
    char path2[OBS_PATH_MAX]; /* rename only, sent up to path2_len */
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
    __u8 addr_flags;
    __u8 pad;             /* zero */
    __u8 addr[OBS_SOCKADDR_MAX]; /* always sent whole */
};

/* The value of the tracked map (key: tgid). */
struct obs_tracked {
    __u32 parent_tgid;
    __u32 pad;            /* zero */
};

/* A syscall entry waiting for its exit (key: pid_tgid). */
struct obs_inflight {
    __u32 syscall;        /* enum obs_syscall */
    __u32 accept_addrlen; /* accept/accept4: the caller's *addrlen at entry (its buffer's size) */
    __u64 args[6];
};

/*
 * The size rule: how many bytes a record of each type occupies on the wire, given its lengths.
 * Fork, exit and socket records are sent whole. An exec record is sent up to the end of argv
 * (path is whole); a file record up to the end of path, a rename up to the end of path2 (path
 * whole). Lengths never exceed the field (OBS_PATH_MAX, OBS_ARGV_MAX), so the smallest record of
 * a type is its size with lengths 0 (an unreadable string) and the largest its sizeof.
 */
#define OBS_FORK_REC_SIZE sizeof(struct obs_fork_rec)
#define OBS_EXIT_REC_SIZE sizeof(struct obs_exit_rec)
#define OBS_SOCK_REC_SIZE sizeof(struct obs_sock_rec)
#define OBS_EXEC_REC_BASE_SIZE __builtin_offsetof(struct obs_exec_rec, argv)
#define OBS_EXEC_REC_SIZE(argv_len) (OBS_EXEC_REC_BASE_SIZE + (argv_len))
#define OBS_FILE_REC_BASE_SIZE __builtin_offsetof(struct obs_file_rec, path)
#define OBS_FILE_REC_SIZE(path_len) (OBS_FILE_REC_BASE_SIZE + (path_len))
#define OBS_RENAME_REC_BASE_SIZE __builtin_offsetof(struct obs_file_rec, path2)
#define OBS_RENAME_REC_SIZE(path2_len) (OBS_RENAME_REC_BASE_SIZE + (path2_len))
#define OBS_MIN_REC_SIZE sizeof(struct obs_header)

/* The same rules as functions, for Swift (which imports neither function-like nor sizeof macros). */
static inline __u64 obs_min_rec_size(void) { return OBS_MIN_REC_SIZE; }
static inline __u64 obs_fork_rec_size(void) { return OBS_FORK_REC_SIZE; }
static inline __u64 obs_exit_rec_size(void) { return OBS_EXIT_REC_SIZE; }
static inline __u64 obs_sock_rec_size(void) { return OBS_SOCK_REC_SIZE; }
static inline __u64 obs_exec_rec_size(__u64 argv_len) { return OBS_EXEC_REC_SIZE(argv_len); }
static inline __u64 obs_file_rec_size(__u64 path_len) { return OBS_FILE_REC_SIZE(path_len); }
static inline __u64 obs_rename_rec_size(__u64 path2_len) { return OBS_RENAME_REC_SIZE(path2_len); }

/* The layout both compilers must produce (BPF and the host's clang under Swift). */
_Static_assert(sizeof(struct obs_header) == 56, "obs_header layout changed");
_Static_assert(__builtin_offsetof(struct obs_header, comm) == 32, "obs_header.comm moved");
_Static_assert(sizeof(struct obs_fork_rec) == 64, "obs_fork_rec layout changed");
_Static_assert(sizeof(struct obs_exit_rec) == 64, "obs_exit_rec layout changed");
_Static_assert(sizeof(struct obs_exec_rec) == 8264, "obs_exec_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_exec_rec, path) == 72, "obs_exec_rec.path moved");
_Static_assert(__builtin_offsetof(struct obs_exec_rec, argv) == 4168, "obs_exec_rec.argv moved");
_Static_assert(sizeof(struct obs_file_rec) == 8280, "obs_file_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_file_rec, path) == 88, "obs_file_rec.path moved");
_Static_assert(__builtin_offsetof(struct obs_file_rec, path2) == 4184, "obs_file_rec.path2 moved");
_Static_assert(sizeof(struct obs_sock_rec) == 208, "obs_sock_rec layout changed");
_Static_assert(__builtin_offsetof(struct obs_sock_rec, addr) == 80, "obs_sock_rec.addr moved");
_Static_assert(sizeof(struct obs_tracked) == 8, "obs_tracked layout changed");
_Static_assert(sizeof(struct obs_inflight) == 56, "obs_inflight layout changed");
_Static_assert(__builtin_offsetof(struct obs_inflight, args) == 8, "obs_inflight.args moved");
/* The lengths fit their fields, and a whole field fits the record. */
_Static_assert(OBS_PATH_MAX <= 0xffff && OBS_ARGV_MAX <= 0xffff, "a length no longer fits __u16");
_Static_assert(OBS_EXEC_REC_SIZE(OBS_ARGV_MAX) == sizeof(struct obs_exec_rec), "exec size rule");
_Static_assert(OBS_RENAME_REC_SIZE(OBS_PATH_MAX) == sizeof(struct obs_file_rec), "rename size rule");
/* bpf_loop's argument walk masks offsets with OBS_ARGV_MAX - 1. */
_Static_assert((OBS_ARGV_MAX & (OBS_ARGV_MAX - 1)) == 0, "OBS_ARGV_MAX must be a power of two");
_Static_assert((OBS_RING_BYTES & (OBS_RING_BYTES - 1)) == 0, "the ring size must be a power of two");

#endif
