/* collectives.c: the four collectives the chapter uses, on one job.
 *
 * Rank 0 decides how far to count and broadcasts it (MPI_Bcast).  It
 * cuts the range into PER chunks per rank and deals the chunks' starts
 * out (MPI_Scatter).  Every rank counts its chunks; rank 0 collects each
 * rank's count (MPI_Gather) and the total (MPI_Reduce).  Every rank must
 * make the same collective calls in the same order: a collective is a
 * meeting, and a rank that skips one leaves the others waiting. */
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PER = 4 }; /* chunks per rank */

int main(int argc, char **argv)
{
    relaunch_under_mpirun(argv, 4);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    // [snippet collectives]
    uint64_t n = 0;                       /* only rank 0 knows it... */
    if (rank == 0)
        n = quick_mode() ? 200000 : 4000000;
    MPI_Bcast(&n, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD); /* ...now all do */

    uint64_t width = n / ((uint64_t)size * PER) + 1, *starts = NULL, mine[PER];
    if (rank == 0) { /* chunk k starts at k * width; rank r gets k % size == r */
        starts = malloc((size_t)size * PER * sizeof *starts);
        for (int r = 0; r < size; r++)
            for (int i = 0; i < PER; i++)
                starts[r * PER + i] = ((uint64_t)i * size + r) * width;
    }
    MPI_Scatter(starts, PER, MPI_UINT64_T, mine, PER, MPI_UINT64_T, 0,
                MPI_COMM_WORLD);          /* PER starts for each rank */

    long count = 0;
    for (int i = 0; i < PER; i++)
        count += count_primes(mine[i] < n ? mine[i] : n,
                              mine[i] + width < n ? mine[i] + width : n);

    long *counts = rank == 0 ? malloc((size_t)size * sizeof *counts) : NULL;
    long total = 0;
    MPI_Gather(&count, 1, MPI_LONG, counts, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    MPI_Reduce(&count, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    // [end collectives]
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            printf("rank %d counted %ld primes in its %d chunks\n", r,
                   counts[r], PER);
        printf("MPI_Reduce says: %ld primes below %llu\n", total,
               (unsigned long long)n);
        free(counts);
        free(starts);
    }
    MPI_Finalize();
    return 0;
}
