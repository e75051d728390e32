/* collect.c: many children, one pipe, results in the order they finish.
 *
 * Eight children count the primes in eight slices of a range and report
 * through one shared pipe.  Each report is a small fixed-size record, and
 * the kernel writes a record of at most PIPE_BUF bytes (4096 on Linux) in
 * one piece, so reports from different children never interleave.  The
 * parent reads records until end of file, which comes when the last write
 * end is closed, and then reaps the children with waitpid(-1, ...) in the
 * order they exit. */
#include "io.h"
#include "primes.h"
#include "timing.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHILDREN = 8 };

// [snippet record]
struct report {
    int slice;  /* which part of the range */
    pid_t pid;  /* who counted it */
    long count; /* primes found */
};
_Static_assert(sizeof(struct report) <= PIPE_BUF,
               "a report must reach the pipe in one piece");
// [end record]

static _Noreturn void child(int slice, int fd, uint64_t lo, uint64_t hi)
{
    struct report r = { slice, getpid(), count_primes(lo, hi) };
    _exit(write_full(fd, &r, sizeof r) == sizeof r ? 0 : 1);
}

int main(void)
{
    uint64_t n = quick_mode() ? 400000 : 4000000;
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    fflush(stdout);
    for (int i = 0; i < CHILDREN; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(fd[0]);
            child(i, fd[1], n * i / CHILDREN, n * (i + 1) / CHILDREN);
        }
        if (pid < 0)
            perror("fork");
    }
    // [snippet collect]
    close(fd[1]); /* or the parent itself keeps the pipe open: no EOF, ever */
    long total = 0;
    struct report r;
    while (read_full(fd[0], &r, sizeof r) == sizeof r) {
        printf("slice %d: %6ld primes, counted by %d\n", r.slice, r.count,
               (int)r.pid);
        total += r.count;
    }
    close(fd[0]);
    int status, failed = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) > 0) /* any child, as they end */
        failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    // [end collect]
    printf("%ld primes below %lu; %d child%s failed\n", total,
           (unsigned long)n, failed, failed == 1 ? "" : "ren");
    return failed != 0;
}
