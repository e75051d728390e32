/* Mutant of exercise 2.3: shared memory, but a static split.  Child i
 * counts slice i of equal size and adds it to the shared total; the child
 * with the top slice, which holds the most expensive numbers, finishes
 * last while the others sit idle.  Correct, clean and parallel, but no
 * better balanced than a static split.  The judge must name the
 * imbalance (the light child ends early with less than its share).
 * must fail: speedup/primes_shared_beats_static
 * must name: the record shows imbalance */
#include "primes_shared.h"

#include "primes.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

long count_primes_shared(uint64_t lo, uint64_t hi, int nprocs, uint64_t chunk)
{
    (void)chunk; /* BUG: ignored; each child gets one big slice */
    _Atomic long *total = mmap(NULL, sizeof *total, PROT_READ | PROT_WRITE,
                               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (total == MAP_FAILED)
        return -1;
    atomic_init(total, 0);
    uint64_t size = hi - lo;
    int n = (uint64_t)nprocs > size ? (int)size : nprocs;
    pid_t *pids = calloc((size_t)n + 1, sizeof *pids);
    for (int i = 0; i < n; i++) {
        fflush(NULL);
        pids[i] = fork();
        if (pids[i] == 0) {
            atomic_fetch_add(total, count_primes(lo + size * i / n,
                                                 lo + size * (i + 1) / n));
            _exit(0);
        }
    }
    for (int i = 0; i < n; i++)
        waitpid(pids[i], NULL, 0);
    free(pids);
    long result = atomic_load(total);
    munmap(total, sizeof *total);
    return result;
}
