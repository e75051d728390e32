/* Mutant of exercise 3.3 (grader trust, class 11): kills the test process
 * that called it, with a raw system call (past the grader's kill()), so
 * that the failure looks like the grader's own crash.
 * must fail: reduction/one_thread
 * must name: the code under test killed the test process */
#define _GNU_SOURCE
#include "reduction.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    syscall(SYS_kill, getppid(), SIGKILL);
    return n;
}
