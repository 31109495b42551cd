/*
 * The one definition of every record the eBPF programs (bpf/observer.bpf.c) send to user space,
 * and of the maps' key/value layouts user space fills. Both sides include this very file: the BPF
 * compile through -I, Swift through the CObserverBPF module. Fixed-width types and fixed-size
 * arrays only; a Swift layout test (KernelRecordLayoutTests) pins every size and offset.
 *
 * Records are variable-length on the wire: a BPF program fills the whole struct in a per-CPU
 * scratch slot and sends only the prefix up to the end of its last string
 * (bpf_ringbuf_output), so a 20-byte path costs 20 bytes of ring, not 4096.
 */
#ifndef OBS_RECORDS_H
#define OBS_RECORDS_H

#include <linux/types.h>

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
    __u32 reserved;
    char comm[OBS_COMM_LEN];
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
    __u32 reserved;
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
    __u8 reserved;
    char path[OBS_PATH_MAX];
    char argv[OBS_ARGV_MAX];
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
    __u16 path2_len;      /* rename's new path */
    __u32 reserved;
    char path[OBS_PATH_MAX];
    char path2[OBS_PATH_MAX];
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
    __u8 reserved;
    __u8 addr[OBS_SOCKADDR_MAX];
};

/* The value of the tracked map (key: tgid). */
struct obs_tracked {
    __u32 parent_tgid;
    __u32 reserved;
};

/* A syscall entry waiting for its exit (key: pid_tgid). */
struct obs_inflight {
    __u32 syscall;        /* enum obs_syscall */
    __u32 reserved;
    __u64 args[6];
};

#endif
