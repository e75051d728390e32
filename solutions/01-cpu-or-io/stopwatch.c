/* Reference solution to exercise 1.3. */
#define _GNU_SOURCE
#include "stopwatch.h"

#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* never jumps, unlike the date */
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct sw_times stopwatch_fn(void (*fn)(void *arg), void *arg)
{
    struct rusage before, after;
    double start = wall_now();
    getrusage(RUSAGE_SELF, &before); /* RUSAGE_SELF: every thread */
    fn(arg);
    getrusage(RUSAGE_SELF, &after);
    return (struct sw_times){
        .wall = wall_now() - start,
        .user = seconds(after.ru_utime) - seconds(before.ru_utime),
        .sys = seconds(after.ru_stime) - seconds(before.ru_stime),
    };
}
