/* Mutant of exercise 3.3 (grader trust, class 2): sequential, with a
 * clock_gettime() of its own that runs time at a third of its speed, so
 * that the speedup judge, linked with it, would see a 3x speedup.
 * must be refused: `clock_gettime` is defined globally */
#define _GNU_SOURCE
#include "reduction.h"

#include "mix.h"

#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    long r = syscall(SYS_clock_gettime, clock, ts);
    long long ns = ((long long)ts->tv_sec * 1000000000LL + ts->tv_nsec) / 3;
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
    return (int)r;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
