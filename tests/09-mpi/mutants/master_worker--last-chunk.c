/* Mutant of exercise 9.1: the master hands out (hi - lo) / chunk whole
 * chunks and forgets the shorter one at the end.
 * must fail: master_worker/one_rank_counts_alone, master_worker/two_ranks */
#include "master_worker.h"

#include "primes.h"

#include <mpi.h>

enum { TAG_ASK = 1, TAG_WORK = 2, TAG_STOP = 3 };

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t chunks = (hi - lo) / chunk, given = 0;
    if (rank == 0) {
        long total = 0, count;
        int stopped = 0;
        while (given < chunks || stopped < size - 1) {
            int waiting = 0;
            MPI_Status st;
            if (size > 1)
                MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &waiting, &st);
            if (!waiting && given < chunks) {
                uint64_t a = lo + given++ * chunk;
                total += count_primes(a, a + chunk);
                continue;
            }
            if (!waiting)
                MPI_Probe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
            MPI_Recv(&count, 1, MPI_LONG, st.MPI_SOURCE, TAG_ASK,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            total += count;
            if (given < chunks) {
                uint64_t a = lo + given++ * chunk, range[2] = { a, a + chunk };
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
