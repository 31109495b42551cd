// SPDX-License-Identifier: GPL-2.0
/*
 * Loads observer.bpf.o as obsctl would and prints, per program, what the verifier did: the
 * instructions it processed (bpf_prog_info.verified_insns), its states, and its time (libbpf log
 * level 4, BPF_LOG_STATS: "verification time N usec"), plus the wall time of the whole load.
 * Docs/BENCHMARKS.md ("Where the load's time goes (verify)") was measured with it.
 *
 *   cc -O2 -o /tmp/verifstat scripts/bpf-verifier-stats.c -lbpf
 *   /tmp/verifstat OBJECT [--tp] [NAME=VALUE ...]
 *
 * NAME=VALUE sets a read-only global (obs_want_process=1 obs_count_io=3 obs_want_dns=1 is
 * `obsctl watch --categories all`); --tp loads the classic tracepoint pair instead of the raw one.
 * Run as root. Nothing is attached. A load that fails prints the end of each program's verifier
 * log (level 1 with OBS_VERIFIER_LOG=1 in the environment, which makes the load slower).
 */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char logs[16][1 << 20];

static int quiet(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG)
        return 0;
    return vfprintf(stderr, format, args);
}

static int set_rodata(struct bpf_object *obj, const char *name, unsigned long long value)
{
    struct btf *btf = bpf_object__btf(obj);
    int id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
    if (id < 0)
        return -1;
    const struct btf_type *sec = btf__type_by_id(btf, id);
    const struct btf_var_secinfo *v = btf_var_secinfos(sec);
    for (int i = 0; i < btf_vlen(sec); i++, v++) {
        const struct btf_type *var = btf__type_by_id(btf, v->type);
        if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0)
            continue;
        struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
        size_t size = 0;
        const char *init = bpf_map__initial_value(map, &size);
        char *copy = malloc(size);
        memcpy(copy, init, size);
        memcpy(copy + v->offset, &value, v->size); /* little-endian */
        int rc = bpf_map__set_initial_value(map, copy, size);
        free(copy);
        return rc;
    }
    return -1;
}

static long long field(const char *log, const char *key)
{
    const char *p = strstr(log, key);
    return p ? atoll(p + strlen(key)) : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s OBJECT [--tp] [NAME=VALUE ...]\n", argv[0]);
        return 64;
    }
    libbpf_set_print(quiet);
    struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
    if (!obj) {
        perror("bpf_object__open_file");
        return 66;
    }
    int tp = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--tp") == 0) {
            tp = 1;
            continue;
        }
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "not NAME=VALUE: %s\n", argv[i]);
            return 64;
        }
        *eq = 0;
        if (set_rodata(obj, argv[i], strtoull(eq + 1, NULL, 0)) != 0) {
            fprintf(stderr, "no read-only global %s\n", argv[i]);
            return 65;
        }
    }
    bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "obs_sc_stats"), 1);
    struct bpf_program *prog;
    int n = 0;
    bpf_object__for_each_program(prog, obj) {
        const char *name = bpf_program__name(prog);
        int is_tp = strncmp(name, "obs_tp_", 7) == 0, is_raw = strncmp(name, "obs_raw_", 8) == 0;
        if ((is_tp && !tp) || (is_raw && tp))
            bpf_program__set_autoload(prog, false);
        if (n < 16) {
            bpf_program__set_log_buf(prog, logs[n], sizeof(logs[n]));
            bpf_program__set_log_level(prog, getenv("OBS_VERIFIER_LOG") ? 5 : 4);
        }
        n++;
    }
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = bpf_object__load(obj);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (rc) {
        fprintf(stderr, "load failed: %d\n", rc);
        for (int i = 0; i < n && i < 16; i++) {
            size_t len = strlen(logs[i]);
            if (len)
                fprintf(stderr, "--- program %d ---\n%s\n", i, logs[i] + (len > 3000 ? len - 3000 : 0));
        }
        return 1;
    }
    printf("%-28s %9s %9s %9s %9s\n", "program", "insns", "verified", "states", "usec");
    long long total_us = 0, total_insns = 0;
    n = 0;
    bpf_object__for_each_program(prog, obj) {
        int i = n++;
        if (!bpf_program__autoload(prog))
            continue;
        struct bpf_prog_info info = {};
        __u32 len = sizeof(info);
        bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
        long long us = field(logs[i], "verification time ");
        total_us += us;
        total_insns += info.verified_insns;
        printf("%-28s %9zu %9u %9lld %9lld\n", bpf_program__name(prog), bpf_program__insn_cnt(prog),
               info.verified_insns, field(logs[i], "total_states "), us);
    }
    printf("%-28s %9s %9lld %9s %9lld\n", "total", "", total_insns, "", total_us);
    printf("whole load (maps, BTF, all programs): %.1f ms\n",
           (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6);
    bpf_object__close(obj);
    return 0;
}
