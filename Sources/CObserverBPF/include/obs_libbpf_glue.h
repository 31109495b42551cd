/* Small C helpers for driving libbpf from Swift (things Swift cannot express or see). */
#ifndef OBS_LIBBPF_GLUE_H
#define OBS_LIBBPF_GLUE_H

#include <stddef.h>
#include <stdint.h>
#ifdef __linux__
#include <sys/syscall.h> /* SYS_* numbers, which the Glibc module does not export to Swift */
#endif

struct bpf_object;
struct ring_buffer;

/// Installs the libbpf print callback: DEBUG messages are dropped unless `verbose`; WARN and
/// INFO messages are kept in a per-thread buffer (for classifying a failed load) and, when
/// `verbose`, also written to standard error. Safe to call again to change `verbose`.
void obs_libbpf_install_logger(int verbose);

/// Copies the WARN/INFO text libbpf logged on this thread since the last call into `buffer`
/// (NUL-terminated, truncated to `capacity`), clears it, and returns the bytes copied.
size_t obs_libbpf_take_log(char *buffer, size_t capacity);

/// The byte offset of global variable `name` in the object's `.rodata` section (from the
/// object's BTF DATASEC), or -1 when there is no such variable.
long obs_bpf_rodata_offset(struct bpf_object *obj, const char *name);

/// Makes a close-on-exec eventfd that wakes `ring_buffer__poll(ring)` when `obs_ring_wake` is
/// called on it: the fd joins the ring's own epoll set with the cookie of ring 0 (libbpf reads
/// the cookie as a ring index, so a wake-up only consumes ring 0 once more). Returns the fd, or
/// -errno.
int obs_ring_wake_fd(struct ring_buffer *ring);

/// Makes `fd` (from `obs_ring_wake_fd`) readable for good: every later poll returns at once.
/// Returns 0 or -errno.
int obs_ring_wake(int fd);

/// Makes a close-on-exec eventfd that wakes `ring_buffer__poll(ring)` when `obs_ring_wake` is
/// called on it: the fd joins the ring's own epoll set with the cookie of ring 0 (libbpf reads
/// the cookie as a ring index, so a wake-up only consumes ring 0 once more). Returns the fd, or
/// -errno.
int obs_ring_wake_fd(struct ring_buffer *ring);

/// Makes `fd` (from `obs_ring_wake_fd`) readable for good: every later poll returns at once.
/// Returns 0 or -errno.
int obs_ring_wake(int fd);


/// Writes, to a close-on-exec memfd, a BTF holding only the running kernel's types that the
/// CO-RE relocations of the object image (`image`, `size`) can match: every struct, union, enum
/// and typedef of the kernel named like one of the object's own (a `___flavour` suffix removed),
/// with the types they embed by value; pointers in them point to void, which CO-RE accepts for
/// any pointer member. Handed to libbpf as `btf_custom_path`, it replaces the 5 MB vmlinux BTF:
/// libbpf then neither parses the kernel's BTF nor searches it once per structure (about 1 ms
/// each), which was two thirds of a load. Made once per process and image (the kernel's BTF
/// cannot change under a running process); each call returns a fresh memfd. Returns the fd, or
/// -errno.
int obs_min_core_btf(const void *image, size_t size);

/// Sets bit `pid` of the mapped obs_tracked_bits array with an atomic or: the kernel sets and
/// clears other bits of the same word at the same time (fork, exit), and a read-modify-write
/// from user space could lose one of them.
static inline void obs_tracked_bits_set(void *bits, uint32_t pid)
{
    __atomic_fetch_or((uint64_t *)bits + pid / 64, (uint64_t)1 << (pid % 64), __ATOMIC_SEQ_CST);
}

#endif
