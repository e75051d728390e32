/* Reference solution to exercise 1.2. */
#include "classify.h"

#include <sys/resource.h>
#include <time.h>

static void user_sys(double *user, double *sys)
{
    struct rusage ru; /* RUSAGE_SELF adds up every thread */
    getrusage(RUSAGE_SELF, &ru);
    *user = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct load_report classify(void (*work)(void *arg), void *arg)
{
    struct load_report r;
    double u0, s0, u1, s1;
    double w0 = wall_seconds();
    user_sys(&u0, &s0);
    work(arg);
    user_sys(&u1, &s1);
    r.wall = wall_seconds() - w0;
    r.user = u1 - u0;
    r.sys = s1 - s0;
    r.cpu_share = r.wall > 0 ? (r.user + r.sys) / r.wall : 0;
    r.kind = r.cpu_share >= 0.8   ? LOAD_CPU_BOUND
             : r.cpu_share <= 0.2 ? LOAD_IO_BOUND
                                  : LOAD_MIXED;
    return r;
}

const char *load_kind_name(enum load_kind kind)
{
    switch (kind) {
    case LOAD_CPU_BOUND: return "CPU-bound";
    case LOAD_MIXED:     return "mixed";
    case LOAD_IO_BOUND:  return "I/O-bound";
    }
    return "?";
}
