/* Mutant of exercise 9.1: no master and no workers.  Rank 0 counts the
 * range with a sieve of Eratosthenes, far faster than trial division on
 * any number of ranks, and the other ranks return at once.  The answer
 * is right; the MPI judge's upper bound (1.25 x the ranks) names it as a
 * different algorithm, not parallelism.
 * must fail: speedup/master_worker_beats_one_rank */
#include "master_worker.h"

#include <mpi.h>
#include <stdlib.h>

/* Primes in [lo, hi): cross out multiples of every p up to sqrt(hi). */
static long sieve(uint64_t lo, uint64_t hi)
{
    char *composite = calloc(hi + 1, 1);
    long count = 0;
    if (!composite)
        return -1;
    for (uint64_t p = 2; p < hi; p++) {
        if (composite[p])
            continue;
        count += p >= lo;
        for (uint64_t m = p * p; m < hi; m += p)
            composite[m] = 1;
    }
    free(composite);
    return count;
}

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    (void)chunk;
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0 ? sieve(lo, hi) : 0;
}
