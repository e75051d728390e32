/* Mutant of exercise 3.3 (grader trust, class 6): the right sum, and a
 * daemon left behind (a double fork with setsid()), outside the process
 * group that the sandbox kills after the call.
 * must fail: reduction/one_thread
 * must name: a process outlived the call */
#include "reduction.h"

#include "mix.h"

#include <sys/wait.h>
#include <unistd.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    pid_t first = fork();
    if (first == 0) {
        setsid();
        if (fork() == 0)
            sleep(60); /* the daemon */
        _exit(0);
    }
    /* The classic double fork: once the first child is reaped, the daemon
     * has left the group (setsid() came before its fork). */
    waitpid(first, NULL, 0);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
