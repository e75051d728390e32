/* Reference solution to exercise 2.3. */
#include "primes_shared.h"

#include "primes.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Lives in memory mapped MAP_SHARED: one copy for every process. */
struct work {
    _Atomic uint64_t next; /* the first number no child has claimed */
    _Atomic long total;
    uint64_t hi, chunk;
};

/* Claim [*a, *b), the next chunk; false when the range is used up.  The
 * claim is one atomic add, so no two children get the same chunk. */
static int claim(struct work *w, uint64_t *a, uint64_t *b)
{
    uint64_t start = atomic_fetch_add(&w->next, w->chunk);
    if (start >= w->hi)
        return 0;
    *a = start;
    *b = w->hi - start > w->chunk ? start + w->chunk : w->hi;
    return 1;
}

static _Noreturn void child_main(struct work *w)
{
    long mine = 0; /* private while counting: the shared total is touched once */
    uint64_t a, b;
    while (claim(w, &a, &b))
        mine += count_primes(a, b);
    atomic_fetch_add(&w->total, mine);
    _exit(0);
}

long count_primes_shared(uint64_t lo, uint64_t hi, int nprocs, uint64_t chunk)
{
    struct work *w = mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    atomic_init(&w->next, lo);
    atomic_init(&w->total, 0);
    w->hi = hi;
    w->chunk = chunk ? chunk : 1;
    uint64_t chunks = (hi - lo + w->chunk - 1) / w->chunk;
    int n = nprocs < 1 ? 1 : nprocs;
    if ((uint64_t)n > chunks)
        n = (int)chunks; /* a child with no chunk to take is wasted */
    pid_t *kids = calloc((size_t)(n ? n : 1), sizeof *kids);
    int ok = kids != NULL, started = 0;
    fflush(NULL);
    for (; ok && started < n; started++) { /* all of them first: they overlap */
        kids[started] = fork();
        if (kids[started] < 0) {
            ok = 0; /* the others still use up the range, then we say -1 */
            break;
        }
        if (kids[started] == 0)
            child_main(w);
    }
    for (int i = 0; i < started; i++) { /* then reap every one of them */
        int status = 0;
        pid_t got;
        while ((got = waitpid(kids[i], &status, 0)) < 0 && errno == EINTR)
            ;
        if (got < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            ok = 0;
    }
    free(kids);
    long total = atomic_load(&w->total);
    munmap(w, sizeof *w);
    return ok ? total : -1;
}
