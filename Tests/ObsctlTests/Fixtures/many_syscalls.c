/*
 * 40 distinct syscalls, each made exactly ROUNDS times through syscall(2) (so the C library's
 * vDSO and caches do not change the count): more than a syscall summary record holds (32,
 * OBS_SC_REC_ENTRIES), so the process's summary crosses the ring buffer as two records.
 * WatchSummaryRecordTests lists the same names. Built static by the test.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 3;
    char buf[4096];
    long out[64];
    unsigned a, b, c;
    for (int i = 0; i < rounds; i++) {
        syscall(SYS_getpid);
        syscall(SYS_getppid);
        syscall(SYS_getuid);
        syscall(SYS_geteuid);
        syscall(SYS_getgid);
        syscall(SYS_getegid);
        syscall(SYS_gettid);
        syscall(SYS_getsid, 0);
        syscall(SYS_getpgid, 0);
        syscall(SYS_getpriority, PRIO_PROCESS, 0);
        syscall(SYS_sched_yield);
        syscall(SYS_uname, (struct utsname *)buf);
        syscall(SYS_umask, 022);
        syscall(SYS_times, (struct tms *)buf);
        syscall(SYS_getrusage, RUSAGE_SELF, (struct rusage *)buf);
        syscall(SYS_sysinfo, (struct sysinfo *)buf);
        syscall(SYS_getcwd, buf, sizeof(buf));
        syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, (struct rlimit *)buf);
        syscall(SYS_sched_getscheduler, 0);
        syscall(SYS_sched_getparam, 0, (struct sched_param *)buf);
        syscall(SYS_sched_get_priority_max, SCHED_OTHER);
        syscall(SYS_sched_get_priority_min, SCHED_OTHER);
        syscall(SYS_getresuid, &a, &b, &c);
        syscall(SYS_getresgid, &a, &b, &c);
        syscall(SYS_getgroups, 0, NULL);
        syscall(SYS_personality, 0xffffffffUL);
        syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
        syscall(SYS_getcpu, &a, &b, NULL);
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (struct timespec *)buf);
        syscall(SYS_clock_getres, CLOCK_MONOTONIC, (struct timespec *)buf);
        syscall(SYS_gettimeofday, (struct timeval *)buf, NULL);
        syscall(SYS_sched_getaffinity, 0, sizeof(out), out);
        syscall(SYS_getitimer, ITIMER_REAL, (struct itimerval *)buf);
        syscall(SYS_rt_sigpending, out, 8);
        syscall(SYS_sigaltstack, NULL, (stack_t *)buf);
        syscall(SYS_lseek, 0, 0, SEEK_CUR);
        syscall(SYS_fcntl, 0, F_GETFD);
        syscall(SYS_ioprio_get, 1, 0);
        syscall(SYS_getrandom, buf, 8, 0);
        syscall(SYS_membarrier, 0, 0, 0);
    }
    return 0;
}
