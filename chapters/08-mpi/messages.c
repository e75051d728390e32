/* messages.c: point-to-point messages, the MPI version of a pipe.
 *
 * Rank 0 hands each other rank a range of numbers with MPI_Send; each
 * counts the primes in it and sends the count back.  Rank 0 takes the
 * answers in the order they arrive (MPI_ANY_SOURCE) and learns from the
 * status who sent each one.  A message has a type and a length, so
 * there is no partial read to loop over, as there is with a pipe. */
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

enum { TAG_RANGE = 1, TAG_COUNT = 2 };

// [snippet worker]
static void worker(void)
{
    uint64_t range[2];
    MPI_Recv(range, 2, MPI_UINT64_T, 0, TAG_RANGE, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);              /* blocks until it arrives */
    long count = count_primes(range[0], range[1]);
    MPI_Send(&count, 1, MPI_LONG, 0, TAG_COUNT, MPI_COMM_WORLD);
}
// [end worker]

// [snippet boss]
static void boss(int size, uint64_t n)
{
    for (int r = 1; r < size; r++) { /* rank r gets the r-th slice */
        uint64_t range[2] = { n * (r - 1) / (size - 1), n * r / (size - 1) };
        MPI_Send(range, 2, MPI_UINT64_T, r, TAG_RANGE, MPI_COMM_WORLD);
    }
    long total = 0;
    for (int answers = 1; answers < size; answers++) {
        long count;
        MPI_Status st; /* who sent it, and with which tag */
        MPI_Recv(&count, 1, MPI_LONG, MPI_ANY_SOURCE, TAG_COUNT,
                 MPI_COMM_WORLD, &st);
        printf("rank %d answered: %ld primes\n", st.MPI_SOURCE, count);
        total += count;
    }
    printf("%ld primes below %llu\n", total, (unsigned long long)n);
}
// [end boss]

int main(int argc, char **argv)
{
    relaunch_under_mpirun(argv, 3);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t n = quick_mode() ? 200000 : 2000000;
    if (size < 2) {
        if (rank == 0)
            printf("%ld primes below %llu (one rank: no one to talk to)\n",
                   count_primes(0, n), (unsigned long long)n);
    } else if (rank == 0) {
        boss(size, n);
    } else {
        worker();
    }
    MPI_Finalize();
    return 0;
}
