#define _GNU_SOURCE /* memfd_create */
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
#include <pthread.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
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

struct obs_min_btf {
    const struct btf *kernel;
    struct btf *out;
    __s32 *map;   /* kernel type id -> id in out; 0: not copied yet */
    __s32 void_ptr;
};

/* Copies kernel type `id` (and what it embeds by value) into m->out; returns its new id. */
static int obs_min_copy(struct obs_min_btf *m, __u32 id)
{
    if (id == 0)
        return 0;
    if (m->map[id])
        return m->map[id];
    const struct btf_type *t = btf__type_by_id(m->kernel, id);
    if (!t)
        return -EINVAL;
    switch (btf_kind(t)) {
    case BTF_KIND_PTR:
        /* Any pointer is compatible with any pointer for CO-RE: cut the graph here. */
        if (!m->void_ptr) {
            m->void_ptr = btf__add_ptr(m->out, 0);
            if (m->void_ptr < 0)
                return m->void_ptr;
        }
        return m->map[id] = m->void_ptr;
    case BTF_KIND_FUNC:
    case BTF_KIND_FUNC_PROTO:
    case BTF_KIND_VAR:
    case BTF_KIND_DATASEC:
    case BTF_KIND_DECL_TAG:
        return 0; /* never embedded by value in a structure */
    default:
        break;
    }
    int nid = btf__add_type(m->out, m->kernel, t);
    if (nid < 0)
        return nid;
    m->map[id] = nid;
    /* Re-read the copy after each recursive call: adding types may move the buffer. */
#define OBS_NT() ((struct btf_type *)btf__type_by_id(m->out, nid))
    switch (btf_kind(t)) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION: {
        __u16 n = btf_vlen(t);
        for (__u16 i = 0; i < n; i++) {
            int mid = obs_min_copy(m, btf_members(t)[i].type);
            if (mid < 0)
                return mid;
            btf_members(OBS_NT())[i].type = mid;
        }
        break;
    }
    case BTF_KIND_ARRAY: {
        int elem = obs_min_copy(m, btf_array(t)->type);
        if (elem < 0)
            return elem;
        int index = obs_min_copy(m, btf_array(t)->index_type);
        if (index < 0)
            return index;
        btf_array(OBS_NT())->type = elem;
        btf_array(OBS_NT())->index_type = index;
        break;
    }
    case BTF_KIND_TYPEDEF:
    case BTF_KIND_CONST:
    case BTF_KIND_VOLATILE:
    case BTF_KIND_RESTRICT:
    case BTF_KIND_TYPE_TAG: {
        int to = obs_min_copy(m, t->type);
        if (to < 0)
            return to;
        OBS_NT()->type = to;
        break;
    }
    default: /* INT, ENUM, ENUM64, FLOAT, FWD: no type references */
        break;
    }
#undef OBS_NT
    return nid;
}

/* Length of a name without its ___flavour suffix (what libbpf matches kernel types by). */
static size_t obs_essential_len(const char *name)
{
    const char *flavour = strstr(name, "___");
    return flavour ? (size_t)(flavour - name) : strlen(name);
}

/* FNV-1a over the first len bytes of name. */
static __u32 obs_name_hash(const char *name, size_t len)
{
    __u32 h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)name[i]) * 16777619u;
    return h;
}

static int obs_is_named_kind(const struct btf_type *t)
{
    switch (btf_kind(t)) {
    case BTF_KIND_STRUCT:
    case BTF_KIND_UNION:
    case BTF_KIND_ENUM:
    case BTF_KIND_ENUM64:
    case BTF_KIND_TYPEDEF:
        return 1;
    default:
        return 0;
    }
}

/* The minimal BTF made for an image, kept for the process's lifetime: the kernel's BTF cannot
 * change under a running process, so later loads (a library that spawns again and again) skip
 * the kernel BTF's parse too. */
static pthread_mutex_t obs_min_btf_lock = PTHREAD_MUTEX_INITIALIZER;
static const void *obs_min_btf_image;
static void *obs_min_btf_bytes;
static size_t obs_min_btf_len;

/* A close-on-exec memfd holding len bytes of data; -errno on failure. */
static int obs_memfd_with(const void *data, size_t len)
{
    int fd = memfd_create("obs-core-btf", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, data, len) != (ssize_t)len) {
        int e = errno ? errno : EIO;
        close(fd);
        return -e;
    }
    return fd;
}

static int obs_make_min_core_btf(const void *image, size_t size);

int obs_min_core_btf(const void *image, size_t size)
{
    pthread_mutex_lock(&obs_min_btf_lock);
    int fd;
    if (obs_min_btf_bytes && obs_min_btf_image == image) {
        fd = obs_memfd_with(obs_min_btf_bytes, obs_min_btf_len);
    } else {
        fd = obs_make_min_core_btf(image, size);
    }
    pthread_mutex_unlock(&obs_min_btf_lock);
    return fd;
}

static int obs_make_min_core_btf(const void *image, size_t size)
{
    struct bpf_object_open_opts opts = {.sz = sizeof(opts)};
    struct bpf_object *obj = bpf_object__open_mem(image, size, &opts);
    if (!obj)
        return -errno;
    const struct btf *local = bpf_object__btf(obj);
    struct btf *kernel = btf__load_vmlinux_btf();
    int err = kernel ? 0 : -errno;
    struct obs_min_btf m = {.kernel = kernel};
    if (!err && local) {
        m.out = btf__new_empty();
        m.map = calloc(btf__type_cnt(kernel), sizeof(*m.map));
        if (!m.out || !m.map)
            err = -ENOMEM;
    }
    /* The object's names, in a small open-addressed table, so that one pass over the kernel's
     * 125,000 types finds every match at the cost of a hash per named type. */
    enum { SLOTS = 512 };
    struct {
        const char *name;
        size_t len;
        int kind;
    } table[SLOTS];
    memset(table, 0, sizeof(table));
    __u32 local_count = local ? btf__type_cnt(local) : 0;
    for (__u32 l = 1; !err && l < local_count; l++) {
        const struct btf_type *lt = btf__type_by_id(local, l);
        if (!obs_is_named_kind(lt) || !lt->name_off)
            continue;
        const char *name = btf__name_by_offset(local, lt->name_off);
        size_t len = obs_essential_len(name);
        __u32 h = obs_name_hash(name, len) % SLOTS;
        for (int probes = 0; probes < SLOTS; probes++, h = (h + 1) % SLOTS) {
            if (!table[h].name) {
                table[h].name = name;
                table[h].len = len;
                table[h].kind = btf_kind(lt);
                break;
            }
            if (table[h].len == len && table[h].kind == btf_kind(lt) && strncmp(table[h].name, name, len) == 0)
                break;
        }
    }
    for (__u32 id = 1; !err && id < btf__type_cnt(kernel); id++) {
        const struct btf_type *t = btf__type_by_id(kernel, id);
        if (!obs_is_named_kind(t) || !t->name_off)
            continue;
        const char *name = btf__name_by_offset(kernel, t->name_off);
        size_t len = strlen(name);
        for (__u32 h = obs_name_hash(name, len) % SLOTS; table[h].name; h = (h + 1) % SLOTS) {
            if (table[h].len == len && table[h].kind == btf_kind(t) && strncmp(table[h].name, name, len) == 0) {
                int copied = obs_min_copy(&m, id);
                if (copied < 0)
                    err = copied;
                break;
            }
        }
    }
    int fd = -1;
    if (!err && m.out) {
        __u32 raw_size = 0;
        const void *raw = btf__raw_data(m.out, &raw_size);
        fd = raw ? obs_memfd_with(raw, raw_size) : -EIO;
        if (fd < 0) {
            err = fd;
            fd = -1;
        } else {
            void *copy = malloc(raw_size);
            if (copy) {
                memcpy(copy, raw, raw_size);
                free(obs_min_btf_bytes);
                obs_min_btf_bytes = copy;
                obs_min_btf_len = raw_size;
                obs_min_btf_image = image;
            }
        }
    } else if (!err) {
        err = -ENOENT;
    }
    free(m.map);
    btf__free(m.out);
    btf__free(kernel);
    bpf_object__close(obj);
    return err ? err : fd;
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
int obs_min_core_btf(const void *image, size_t size)
{
    (void)image;
    (void)size;
    return -38;
}
long obs_bpf_rodata_offset(struct bpf_object *obj, const char *name)
{
    (void)obj;
    (void)name;
    return -1;
}
#endif
