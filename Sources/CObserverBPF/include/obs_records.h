/* Placeholder: the eBPF issue defines the kernel/user records here. */
#ifndef OBS_RECORDS_H
#define OBS_RECORDS_H
#endif
