/* Mutant of exercise 2.2: a sequential version in disguise.  It forks a
 * child per slice, but waits for each child before forking the next, so
 * only one child ever runs at a time: correct, clean, and no faster than
 * one process.
 * must fail: speedup/primes_pipes */
#include "primes_pipes.h"

#include "io.h"
#include "primes.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

long count_primes_pipes(uint64_t lo, uint64_t hi, int nprocs)
{
    uint64_t size = hi - lo;
    int n = (uint64_t)nprocs > size ? (int)size : nprocs;
    long total = 0;
    for (int i = 0; i < n; i++) {
        uint64_t a = lo + size * i / n, b = lo + size * (i + 1) / n;
        int fd[2];
        if (pipe(fd) != 0)
            return -1;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            long c = count_primes(a, b);
            _exit(write_full(fd[1], &c, sizeof c) == sizeof c ? 0 : 1);
        }
        close(fd[1]);
        long c = 0;
        read_full(fd[0], &c, sizeof c);
        close(fd[0]);
        waitpid(pid, NULL, 0); /* BUG: the next child starts only now */
        total += c;
    }
    return total;
}
