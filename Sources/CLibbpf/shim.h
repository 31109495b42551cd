#ifndef OBS_CLIBBPF_SHIM_H
#define OBS_CLIBBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#endif
