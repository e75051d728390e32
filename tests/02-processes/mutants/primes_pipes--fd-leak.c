/* Mutant of exercise 2.2: it never closes the read ends of its pipes.
 * The answer is right and every child is reaped; one descriptor per child
 * stays open in the parent, and a long-running program would run out.
 * must fail: primes_pipes/no_fd_leak */
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
    int *fds = calloc((size_t)n + 1, sizeof *fds);
    pid_t *pids = calloc((size_t)n + 1, sizeof *pids);
    for (int i = 0; i < n; i++) {
        uint64_t a = lo + size * i / n, b = lo + size * (i + 1) / n;
        int fd[2];
        if (pipe(fd) != 0)
            return -1;
        fflush(NULL);
        pids[i] = fork();
        if (pids[i] == 0) {
            close(fd[0]);
            long c = count_primes(a, b);
            _exit(write_full(fd[1], &c, sizeof c) == sizeof c ? 0 : 1);
        }
        close(fd[1]);
        fds[i] = fd[0];
    }
    long total = 0;
    for (int i = 0; i < n; i++) {
        long c = 0;
        read_full(fds[i], &c, sizeof c); /* BUG: fds[i] is never closed */
        waitpid(pids[i], NULL, 0);
        total += c;
    }
    free(fds);
    free(pids);
    return total;
}
