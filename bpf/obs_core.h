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

struct signal_struct {
    obs_atomic_t live;
    unsigned int flags;
    int group_exit_code;
    struct mm_struct *oom_mm; /* set once the OOM killer chose this group (mark_oom_victim) */
    /* The group's peak RSS in pages: exec folds the old image's peak in (exec_mmap), do_exit of
       the last thread the exiting image's (setmax_mm_hiwater_rss). What getrusage/wait4 report. */
    unsigned long maxrss;
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

struct file {
    struct path f_path;
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
