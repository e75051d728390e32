/* Mutant of exercise 2.3: a sequential version in disguise.  It waits
 * for each child before forking the next, so the first child takes every
 * chunk and the others find nothing left.  Correct and clean, and no
 * faster than one process.
 * must fail: speedup/primes_shared_beats_static */
#include "primes_shared.h"

#include "primes.h"

#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct work {
    _Atomic uint64_t next;
    _Atomic long total;
};

long count_primes_shared(uint64_t lo, uint64_t hi, int nprocs, uint64_t chunk)
{
    struct work *w = mmap(NULL, sizeof *w, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        return -1;
    atomic_init(&w->next, lo);
    atomic_init(&w->total, 0);
    for (int i = 0; i < nprocs && (uint64_t)i < hi - lo; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            long mine = 0;
            for (;;) {
                uint64_t a = atomic_fetch_add(&w->next, chunk);
                if (a >= hi)
                    break;
                mine += count_primes(a, hi - a > chunk ? a + chunk : hi);
            }
            atomic_fetch_add(&w->total, mine);
            _exit(0);
        }
        waitpid(pid, NULL, 0); /* BUG: the next child starts only now */
    }
    long total = atomic_load(&w->total);
    munmap(w, sizeof *w);
    return total;
}
