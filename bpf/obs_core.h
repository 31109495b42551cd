/*
 * Minimal CO-RE views of the kernel structures the programs read. Only the fields used are
 * declared; preserve_access_index makes libbpf relocate every access against the running
 * kernel's BTF (/sys/kernel/btf/vmlinux), so offsets here are irrelevant and no generated
 * vmlinux.h is needed. A field missing on the running kernel fails the load with
 * "failed to resolve CO-RE relocation", which the capability probe reports.
 */
#ifndef OBS_CORE_H
#define OBS_CORE_H

#include <linux/types.h>

typedef struct { int counter; } obs_atomic_t;

struct mm_struct;

/* The kernel's I/O accounting (include/linux/task_io_accounting.h): rchar..syscw with
 * CONFIG_TASK_XACCT, read_bytes..cancelled_write_bytes with CONFIG_TASK_IO_ACCOUNTING. */
struct task_io_accounting {
    __u64 rchar;
    __u64 wchar;
    __u64 syscr;
    __u64 syscw;
    __u64 read_bytes;
    __u64 write_bytes;
    __u64 cancelled_write_bytes;
} __attribute__((preserve_access_index));

struct list_head {
    struct list_head *next, *prev;
} __attribute__((preserve_access_index));


struct signal_struct {
    obs_atomic_t live;
    unsigned int flags;
    int group_exit_code;
    struct mm_struct *oom_mm; /* set once the OOM killer chose this group (mark_oom_victim) */
    /* The group's peak RSS in pages: exec folds the old image's peak in (exec_mmap), do_exit of
       the last thread the exiting image's (setmax_mm_hiwater_rss). What getrusage/wait4 report. */
    unsigned long maxrss;
    /* The I/O of the group's threads already released (__exit_signal adds each one's). */
    struct task_io_accounting ioac;
    struct list_head thread_head; /* the live threads, by task_struct.thread_node */
} __attribute__((preserve_access_index));

/* One of an mm's RSS counters (a percpu_counter since 6.2): count is the folded total, what the
   kernel's own get_mm_counter reads (percpu_counter_read_positive). */
struct percpu_counter {
    __s64 count;
} __attribute__((preserve_access_index));

/* The path-walk structures (bpf/obs_path.bpf.h). d_name and f_path sit in anonymous unions on
 * recent kernels; CO-RE finds a member through anonymous members, so they are declared plainly. */
struct qstr {
    union {
        struct {
            __u32 hash;
            __u32 len;
        };
        __u64 hash_len;
    };
    const unsigned char *name;
} __attribute__((preserve_access_index));

struct hlist_bl_node {
    struct hlist_bl_node *next, **pprev;
} __attribute__((preserve_access_index));

struct dentry {
    struct hlist_bl_node d_hash;
    struct dentry *d_parent;
    struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
    struct dentry *mnt_root;
} __attribute__((preserve_access_index));

struct mount {
    struct mount *mnt_parent;
    struct dentry *mnt_mountpoint;
    struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
} __attribute__((preserve_access_index));

struct super_block {
    unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
    unsigned short i_mode;
    unsigned long i_ino;
    struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
    struct path f_path;
    struct inode *f_inode;
    void *private_data; /* a socket's struct socket */
} __attribute__((preserve_access_index));

/* Sockets, for the close record's addresses (bpf/obs_io_close.bpf.h). The addresses sit in
 * anonymous unions of sock_common; CO-RE finds them through anonymous members. */
struct obs_in6_addr {
    __u8 s6_addr[16];
};

struct sock_common {
    __u32 skc_daddr;
    __u32 skc_rcv_saddr;
    __u16 skc_dport;
    __u16 skc_num;
    unsigned short skc_family;
    struct obs_in6_addr skc_v6_daddr;
    struct obs_in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
    struct sock_common __sk_common;
    __u16 sk_type;
    __u16 sk_protocol;
} __attribute__((preserve_access_index));

struct socket {
    struct sock *sk;
} __attribute__((preserve_access_index));

/* Declared under its own name: only its address is taken (a struct matches a struct for CO-RE). */
struct obs_sockaddr_un {
    unsigned short sun_family;
    char sun_path[108];
};

struct unix_address {
    int len;                          /* bytes of name, its family included */
    struct obs_sockaddr_un name[0];
} __attribute__((preserve_access_index));

struct unix_sock {
    struct sock sk;
    struct unix_address *addr;
    struct sock *peer;
} __attribute__((preserve_access_index));

struct fdtable {
    unsigned int max_fds;
    struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
    struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct fs_struct {
    struct path root, pwd;
} __attribute__((preserve_access_index));

struct mm_struct {
    unsigned long arg_start;
    unsigned long arg_end;
    /* The image's peak RSS is get_mm_hiwater_rss(): the larger of hiwater_rss and the current
       RSS, the sum of the counters MM_FILEPAGES, MM_ANONPAGES and MM_SHMEMPAGES. The counters
       are percpu_counters since 6.2; before, rss_stat was a struct mm_rss_stat of atomics, which
       CO-RE finds incompatible (bpf_core_field_exists is then false): the figure is left out. */
    unsigned long hiwater_rss;
    struct percpu_counter rss_stat[4];
} __attribute__((preserve_access_index));
/* Indexes of the mm counters (the kernel's MM_* enum; MM_SHMEMPAGES since 4.5). */
#define OBS_MM_FILEPAGES 0
#define OBS_MM_ANONPAGES 1
#define OBS_MM_SHMEMPAGES 3

struct task_struct {
    int pid;
    int tgid;
    int exit_code;
    struct task_struct *real_parent;
    struct task_struct *group_leader;
    struct signal_struct *signal;
    struct mm_struct *mm;
    struct fs_struct *fs;
    struct files_struct *files;
    char comm[16];
    struct task_io_accounting ioac;
    struct list_head thread_node;
} __attribute__((preserve_access_index));

struct linux_binprm {
    struct file *file;
    const char *filename;
    const char *interp;
    const char *fdpath;
} __attribute__((preserve_access_index));

/* The kernel's pt_regs, for the raw_tp/sys_enter fallback (syscall arguments and number). */
#if defined(__TARGET_ARCH_x86)
struct pt_regs {
    unsigned long di, si, dx, r10, r8, r9, orig_ax, cs;
} __attribute__((preserve_access_index));
#define OBS_SYSCALL_NR(regs) BPF_CORE_READ(regs, orig_ax)
#define OBS_SYSCALL_ARG(regs, i)                                                         \
    ((i) == 0 ? BPF_CORE_READ(regs, di) : (i) == 1 ? BPF_CORE_READ(regs, si)            \
     : (i) == 2 ? BPF_CORE_READ(regs, dx) : (i) == 3 ? BPF_CORE_READ(regs, r10)         \
     : (i) == 4 ? BPF_CORE_READ(regs, r8) : BPF_CORE_READ(regs, r9))
#elif defined(__TARGET_ARCH_arm64)
struct pt_regs {
    __u64 regs[31];
    __u64 orig_x0;
    __s32 syscallno;
} __attribute__((preserve_access_index));
#define OBS_SYSCALL_ARG(regs, i) ((i) == 0 ? BPF_CORE_READ(regs, orig_x0) : BPF_CORE_READ(regs, regs[i]))
#define OBS_SYSCALL_NR(regs) BPF_CORE_READ(regs, syscallno)
#else
#define OBS_NO_RAW_SYSCALLS 1
struct pt_regs;
#endif

/* include/linux/sched/signal.h */
#define OBS_SIGNAL_GROUP_EXIT 0x00000004
/* include/uapi/linux/fcntl.h */
#define OBS_AT_REMOVEDIR 0x200
#define OBS_AT_EMPTY_PATH 0x1000
#define OBS_AT_FDCWD -100

#endif
