/* Mutant of exercise 1.2: it counts only user time, so work done in the
 * kernel looks like waiting.
 * must fail: classify/kernel_time_is_cpu_time */
#include "classify.h"

#include <sys/resource.h>
#include <time.h>

static double user_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct load_report classify(void (*work)(void *arg), void *arg)
{
    double w = wall_now(), u = user_now();
    work(arg);
    struct load_report r = { .wall = wall_now() - w, .user = user_now() - u };
    r.cpu_share = r.user / r.wall;
    r.kind = r.cpu_share >= 0.8 ? LOAD_CPU_BOUND : r.cpu_share <= 0.2 ? LOAD_IO_BOUND : LOAD_MIXED;
    return r;
}

const char *load_kind_name(enum load_kind kind)
{
    return kind == LOAD_CPU_BOUND ? "CPU-bound" : kind == LOAD_MIXED ? "mixed" : "I/O-bound";
}
