/* Small C helpers for driving libbpf from Swift (things Swift cannot express or see). */
#ifndef OBS_LIBBPF_GLUE_H
#define OBS_LIBBPF_GLUE_H

#include <stddef.h>
#ifdef __linux__
#include <sys/syscall.h> /* SYS_* numbers, which the Glibc module does not export to Swift */
#endif

struct bpf_object;

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

#endif
