/* Mutant of exercise 3.3 (grader trust, class 6): the right sum, and a
 * daemon left behind (a double fork with setsid()), outside the process
 * group that the sandbox kills after the call.
 * must fail: reduction/one_thread
 * must name: a process outlived the call */
#include "reduction.h"

#include "mix.h"

#include <unistd.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    if (fork() == 0) {
        setsid();
        if (fork() == 0)
            sleep(60); /* the daemon */
        _exit(0);
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
