/* Mutant of exercise 1.2: it reads the calling thread's clock
 * (RUSAGE_THREAD), so work done by other threads is missed.
 * must fail: classify/threads_add_up */
#define _GNU_SOURCE
#include "classify.h"

#include <sys/resource.h>
#include <time.h>

static void cpu_now(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct load_report classify(void (*work)(void *arg), void *arg)
{
    double w = wall_now(), u0, s0, u1, s1;
    cpu_now(&u0, &s0);
    work(arg);
    cpu_now(&u1, &s1);
    struct load_report r = { .wall = wall_now() - w, .user = u1 - u0, .sys = s1 - s0 };
    r.cpu_share = (r.user + r.sys) / r.wall;
    r.kind = r.cpu_share >= 0.8 ? LOAD_CPU_BOUND : r.cpu_share <= 0.2 ? LOAD_IO_BOUND : LOAD_MIXED;
    return r;
}

const char *load_kind_name(enum load_kind kind)
{
    return kind == LOAD_CPU_BOUND ? "CPU-bound" : kind == LOAD_MIXED ? "mixed" : "I/O-bound";
}
