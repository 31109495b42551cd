#include "obs_records.h"
#include "obs_libbpf_glue.h"

#ifdef __linux__
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static volatile int obs_verbose;
/* libbpf logs on the thread that called it, so a per-thread buffer keeps concurrent loads apart. */
static __thread char obs_log[8192];
static __thread size_t obs_log_len;

static int obs_print(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG && !obs_verbose)
        return 0;
    char line[2048];
    va_list copy;
    va_copy(copy, args);
    int n = vsnprintf(line, sizeof(line), format, copy);
    va_end(copy);
    if (n < 0)
        return 0;
    size_t len = strlen(line);
    if (level != LIBBPF_DEBUG) {
        size_t room = sizeof(obs_log) - 1 - obs_log_len;
        size_t take = len < room ? len : room;
        memcpy(obs_log + obs_log_len, line, take);
        obs_log_len += take;
        obs_log[obs_log_len] = 0;
    }
    if (obs_verbose)
        fputs(line, stderr);
    return n;
}

void obs_libbpf_install_logger(int verbose)
{
    obs_verbose = verbose;
    libbpf_set_print(obs_print);
}

size_t obs_libbpf_take_log(char *buffer, size_t capacity)
{
    if (capacity == 0)
        return 0;
    size_t take = obs_log_len < capacity - 1 ? obs_log_len : capacity - 1;
    memcpy(buffer, obs_log, take);
    buffer[take] = 0;
    obs_log_len = 0;
    obs_log[0] = 0;
    return take;
}
#else
void obs_libbpf_install_logger(int verbose) { (void)verbose; }
size_t obs_libbpf_take_log(char *buffer, size_t capacity)
{
    if (capacity)
        buffer[0] = 0;
    return 0;
}
#endif

#ifdef __linux__
#include <bpf/btf.h>

long obs_bpf_rodata_offset(struct bpf_object *obj, const char *name)
{
    struct btf *btf = bpf_object__btf(obj);
    if (!btf)
        return -1;
    int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
    if (id < 0)
        return -1;
    const struct btf_type *sec = btf__type_by_id(btf, id);
    const struct btf_var_secinfo *vars = btf_var_secinfos(sec);
    for (int i = 0; i < btf_vlen(sec); i++) {
        const struct btf_type *var = btf__type_by_id(btf, vars[i].type);
        if (var && strcmp(btf__name_by_offset(btf, var->name_off), name) == 0)
            return (long)vars[i].offset;
    }
    return -1;
}

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int obs_ring_wake_fd(struct ring_buffer *ring)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct epoll_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = 0; /* ring 0's index: libbpf consumes that ring again, nothing else */
    if (epoll_ctl(ring_buffer__epoll_fd(ring), EPOLL_CTL_ADD, fd, &ev) < 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    return fd;
}

int obs_ring_wake(int fd)
{
    uint64_t one = 1;
    return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}
#else
int obs_ring_wake_fd(struct ring_buffer *ring)
{
    (void)ring;
    return -38;
}
int obs_ring_wake(int fd)
{
    (void)fd;
    return -38;
}
long obs_bpf_rodata_offset(struct bpf_object *obj, const char *name)
{
    (void)obj;
    (void)name;
    return -1;
}
#endif
