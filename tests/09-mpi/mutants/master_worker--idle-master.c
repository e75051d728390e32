/* Mutant of exercise 9.1: the textbook master, which only hands out
 * chunks and waits.  Correct, but with one rank per core the master's
 * core does no counting: on 2 ranks, one worker does all the work.
 * must fail: speedup/master_worker_beats_one_rank */
#include "master_worker.h"

#include "primes.h"

#include <mpi.h>

enum { TAG_ASK = 1, TAG_WORK = 2, TAG_STOP = 3 };

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1)
        return count_primes(lo, hi);
    if (rank == 0) {
        long total = 0, count;
        int stopped = 0;
        uint64_t next = lo;
        while (stopped < size - 1) {
            MPI_Status st;
            MPI_Recv(&count, 1, MPI_LONG, MPI_ANY_SOURCE, TAG_ASK,
                     MPI_COMM_WORLD, &st);
            total += count;
            if (next < hi) {
                uint64_t range[2] = { next, hi - next > chunk ? next + chunk : hi };
                next = range[1];
                MPI_Send(range, 2, MPI_UINT64_T, st.MPI_SOURCE, TAG_WORK,
                         MPI_COMM_WORLD);
            } else {
                MPI_Send(NULL, 0, MPI_UINT64_T, st.MPI_SOURCE, TAG_STOP,
                         MPI_COMM_WORLD);
                stopped++;
            }
        }
        return total;
    }
    long count = 0;
    for (;;) {
        uint64_t range[2];
        MPI_Status st;
        MPI_Send(&count, 1, MPI_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
        MPI_Recv(range, 2, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_STOP)
            return 0;
        count = count_primes(range[0], range[1]);
    }
}
