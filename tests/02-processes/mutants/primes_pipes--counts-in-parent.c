/* Mutant of exercise 2.2: the parent counts the whole range itself, while
 * its children only burn CPU until it is done, so that CPU time beyond
 * wall time looks like parallel work.  The answer is right, every child
 * is waited for and every pipe closed; but the caller's own CPU time
 * carries the work, which the speedup judge reports apart from its
 * children's.
 * must fail: speedup/primes_pipes */
#define _GNU_SOURCE
#include "primes_pipes.h"

#include "primes.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

/* A decoy: spin until the parent closes its end of the pipe. */
static void burn_until_closed(int fd)
{
    char c;
    volatile unsigned long x = 1;
    while (read(fd, &c, 1) < 0 && errno == EAGAIN)
        for (int i = 0; i < 100000; i++)
            x = x * 6364136223846793005UL + 1;
    _exit(0);
}

long count_primes_pipes(uint64_t lo, uint64_t hi, int nprocs)
{
    int p[2];
    if (pipe2(p, O_NONBLOCK) != 0)
        return -1;
    int started = 0;
    for (; started < nprocs; started++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(p[1]);
            burn_until_closed(p[0]);
        }
        if (pid < 0)
            break;
    }
    close(p[0]);
    long count = count_primes(lo, hi); /* the work, in the wrong place */
    close(p[1]);                       /* the decoys stop */
    for (int i = 0; i < started; i++)
        wait(NULL);
    return count;
}
