#ifndef OBS_HELPER_PROTOCOL_H
#define OBS_HELPER_PROTOCOL_H
// The messages between the observer and its spawn helper (helper/obs_spawn_helper.c) over a
// SOCK_SEQPACKET socketpair: one request, one reply, one at a time.

#include <stdint.h>
#include <sys/resource.h>

#include "obs_spawn.h"

#define OBS_HELPER_VERSION 1u
/// The largest request: the header, then path, argv, envp and the working directory as
/// NUL-terminated strings. A bigger command is spawned in the observer (the old way).
#define OBS_HELPER_MAX_REQUEST (240 * 1024)
/// Descriptors a request carries: three stdio, the cgroup, up to four cgroup.procs files, the
/// start gate's read end, the error pipe's write end.
#define OBS_HELPER_MAX_FDS 10
/// RLIMIT_NLIMITS.
#define OBS_HELPER_LIMITS 16

/// The child waits at a start gate (gate_fd) and reports through the error pipe; the helper
/// forks it (clone3 without CLONE_VM) and replies at once. Otherwise it is a CLONE_VM|CLONE_VFORK
/// child and the reply comes after its execve, with its failure if it had one.
#define OBS_HELPER_GATED 1u
/// The request carries a working directory string.
#define OBS_HELPER_HAS_CWD 2u

struct obs_helper_request {
    uint32_t version;
    uint32_t flags;
    int32_t death_signal;
    uint32_t argc;
    uint32_t envc;
    /// Bytes of strings after the header.
    uint32_t strings_len;
    /// Per standard descriptor: 1 carried (in order), 0 inherit the helper's (never sent), 2 close.
    uint8_t stdio[3];
    uint8_t has_cgroup;
    uint32_t join_count;
    /// The observer's resource limits (getrlimit), which the child takes.
    struct rlimit limits[OBS_HELPER_LIMITS];
};

struct obs_helper_reply {
    /// 0: the child was created (and, ungated, exec'd); -1: failure says which step failed.
    int32_t rc;
    int32_t pid;
    int32_t in_cgroup;
    obs_spawn_failure failure;
};

#endif
