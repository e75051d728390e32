/* Exercise 9.2, a solution: blocks, and three collectives. */
#include "prime_gaps.h"

#include "primes.h"

#include <mpi.h>
#include <stdlib.h>

static int bin(uint64_t gap)
{
    return gap < GAP_BINS - 1 ? (int)gap : GAP_BINS - 1;
}

/* Block r of [lo, hi) split into `size` blocks whose lengths differ by
 * one at most. */
static void block(uint64_t lo, uint64_t hi, int r, int size, uint64_t *a,
                  uint64_t *b)
{
    uint64_t len = hi - lo, base = len / (uint64_t)size, extra = len % (uint64_t)size;
    uint64_t ur = (uint64_t)r;
    *a = lo + base * ur + (ur < extra ? ur : extra);
    *b = *a + base + (ur < extra);
}

void mpi_prime_gaps(uint64_t lo, uint64_t hi, long hist[GAP_BINS])
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t range[2] = { lo, hi };
    MPI_Bcast(range, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);

    /* My block: its gaps, and its first and last prime (0: none). */
    uint64_t a, b, ends[2] = { 0, 0 };
    long mine[GAP_BINS] = { 0 };
    block(range[0], range[1], rank, size, &a, &b);
    for (uint64_t n = a; n < b; n++) {
        if (!is_prime(n))
            continue;
        if (ends[1])
            mine[bin(n - ends[1])]++;
        else
            ends[0] = n;
        ends[1] = n;
    }

    /* Rank 0 gets every block's ends, and the sum of the histograms. */
    uint64_t *all = rank == 0 ? malloc(2 * (size_t)size * sizeof *all) : NULL;
    MPI_Gather(ends, 2, MPI_UINT64_T, all, 2, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    MPI_Reduce(mine, hist, GAP_BINS, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank != 0)
        return;

    /* The gaps between blocks, skipping blocks that hold no prime. */
    uint64_t last = 0;
    for (int r = 0; r < size; r++) {
        if (!all[2 * r])
            continue;
        if (last)
            hist[bin(all[2 * r] - last)]++;
        last = all[2 * r + 1];
    }
    free(all);
}
