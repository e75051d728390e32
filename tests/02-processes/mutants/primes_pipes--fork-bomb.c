/* Mutant of exercise 2.2: a fork bomb.  The child forgets _exit() after
 * sending its count, so it carries on with the parent's loop and forks
 * children of its own, which do the same; and a refused fork() is simply
 * retried.  Without a cap it forks without bound.  The sandbox must refuse
 * the forks past its cap, stop the whole process group at the test's
 * timeout and say what happened, while the machine stays usable.
 * must fail: primes_pipes/uses_child_processes, primes_pipes/counts_correctly, primes_pipes/no_zombies */
#include "primes_pipes.h"

#include "io.h"
#include "primes.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

long count_primes_pipes(uint64_t lo, uint64_t hi, int nprocs)
{
    uint64_t size = hi - lo;
    int n = (uint64_t)nprocs > size ? (int)size : nprocs;
    pid_t pid[64];
    int fd[64][2];
    for (int i = 0; i < n && i < 64; i++) {
        uint64_t a = lo + size * i / n, b = lo + size * (i + 1) / n;
        if (pipe(fd[i]) != 0)
            return -1;
        fflush(NULL);
        while ((pid[i] = fork()) < 0)
            ; /* "fork failed for a moment: try again" */
        if (pid[i] == 0) {
            long c = count_primes(a, b);
            write_full(fd[i][1], &c, sizeof c);
            /* BUG: no _exit(0) here: the child goes round the loop too */
        }
        close(fd[i][1]);
    }
    long total = 0;
    for (int i = 0; i < n && i < 64; i++) {
        long c = 0;
        read_full(fd[i][0], &c, sizeof c);
        close(fd[i][0]);
        waitpid(pid[i], NULL, 0);
        total += c;
    }
    return total;
}
