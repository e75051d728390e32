/* Mutant of exercise 2.2: correct and parallel, but the slices are not
 * equal: the first child of each pair counts an eighth of the pair's
 * range and the second, whose numbers also cost more, seven eighths.
 * The first child exits early; the judge must name the imbalance.
 * must fail: speedup/primes_pipes
 * must name: the record shows imbalance */
#include "primes_pipes.h"

#include "io.h"
#include "primes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct child {
    pid_t pid;
    int fd; /* the read end of its pipe */
};

/* The child's whole life: count, report, _exit.  Returning would run the
 * parent's code a second time, in the wrong process. */
static _Noreturn void child_main(int fd, uint64_t lo, uint64_t hi)
{
    long count = count_primes(lo, hi);
    _exit(write_full(fd, &count, sizeof count) == sizeof count ? 0 : 1);
}

/* Fork a child for [lo, hi) with a pipe to report through. */
static int spawn(struct child *c, uint64_t lo, uint64_t hi)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL); /* or the child inherits our buffered output */
    c->pid = fork();
    if (c->pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (c->pid == 0) {
        close(fd[0]);
        child_main(fd[1], lo, hi);
    }
    close(fd[1]); /* the parent only reads */
    c->fd = fd[0];
    return 0;
}

/* Read one child's count, close its pipe and reap it.  Returns -1 unless
 * the whole count arrived and the child exited cleanly. */
static long collect(struct child *c)
{
    long count;
    int status;
    ssize_t got = read_full(c->fd, &count, sizeof count);
    close(c->fd);
    while (waitpid(c->pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (got != sizeof count || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return count;
}

/* Where slice i of n starts: equal sizes, the first size % n one larger. */
static uint64_t slice_start(uint64_t lo, uint64_t size, int n, int i)
{
    uint64_t extra = (uint64_t)i < size % (uint64_t)n ? (uint64_t)i : size % (uint64_t)n;
    uint64_t even = lo + size / (uint64_t)n * (uint64_t)i + extra;
    if (i % 2 == 1 && i < n) /* BUG: an eighth, not a half, of the pair */
        return even - size / (uint64_t)n / 4 * 3;
    return even;
}

long count_primes_pipes(uint64_t lo, uint64_t hi, int nprocs)
{
    uint64_t size = hi - lo;
    int n = nprocs < 1 ? 1 : nprocs;
    if ((uint64_t)n > size)
        n = (int)size; /* no child gets an empty slice */
    struct child *kids = calloc((size_t)(n ? n : 1), sizeof *kids);
    if (!kids)
        return -1;
    int started = 0;
    for (; started < n; started++) { /* all of them first: they overlap */
        uint64_t a = slice_start(lo, size, n, started);
        uint64_t b = slice_start(lo, size, n, started + 1);
        if (spawn(&kids[started], a, b) != 0)
            break;
    }
    long total = started == n ? 0 : -1;
    for (int i = 0; i < started; i++) { /* then collect every one */
        long c = collect(&kids[i]);
        total = c < 0 || total < 0 ? -1 : total + c;
    }
    free(kids);
    return total;
}
