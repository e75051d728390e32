/* Mutant of exercise 9.1: a static cyclic split, no master at all.  Rank
 * r counts lo + r, lo + r + N, ...  Correct, but with an even number of
 * ranks every even number (rejected after one division) goes to half of
 * them, so on 2 ranks one rank does nearly all the work.
 * must fail: speedup/master_worker_beats_one_rank
 * must name: the record shows one rank */
#include "master_worker.h"

#include "primes.h"

#include <mpi.h>

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    (void)chunk;
    int rank, size;
    long mine = 0, total = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (uint64_t n = lo + (uint64_t)rank; n < hi; n += (uint64_t)size)
        mine += is_prime(n);
    MPI_Reduce(&mine, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    return total;
}
