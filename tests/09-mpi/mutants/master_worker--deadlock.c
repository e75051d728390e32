/* Mutant of exercise 9.1: a worker hands in its count with the wrong tag.
 * That send has no matching receive: the master waits for a request that
 * never comes, while the worker waits for its next chunk.  The grader
 * must report a deadlock, with each rank's blocking call, within the
 * test's timeout; with one rank there is no worker and it works.
 * must fail: master_worker/two_ranks, master_worker/three_ranks_oversubscribed, master_worker/four_ranks_oversubscribed */
#include "master_worker.h"

#include "primes.h"

#include <mpi.h>

enum { TAG_ASK = 1, TAG_WORK = 2, TAG_STOP = 3, TAG_COUNT = 4 };

static long master(uint64_t lo, uint64_t hi, uint64_t chunk, int workers)
{
    long total = 0, count;
    int stopped = 0;
    uint64_t next = lo;
    while (next < hi || stopped < workers) {
        int waiting = 0;
        MPI_Status st;
        if (workers)
            MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &waiting, &st);
        if (!waiting && next < hi) {
            uint64_t a = next;
            next = hi - a > chunk / 8 + 1 ? a + chunk / 8 + 1 : hi;
            total += count_primes(a, next);
            continue;
        }
        if (!waiting)
            MPI_Probe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
        MPI_Recv(&count, 1, MPI_LONG, st.MPI_SOURCE, TAG_ASK, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        total += count;
        if (next < hi) {
            uint64_t range[2] = { next, hi - next > chunk ? next + chunk : hi };
            next = range[1];
            MPI_Send(range, 2, MPI_UINT64_T, st.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
        } else {
            MPI_Send(NULL, 0, MPI_UINT64_T, st.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
            stopped++;
        }
    }
    return total;
}

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0)
        return master(lo, hi, chunk, size - 1);
    long count = 0;
    int tag = TAG_ASK;
    for (;;) {
        uint64_t range[2];
        MPI_Status st;
        MPI_Send(&count, 1, MPI_LONG, 0, tag, MPI_COMM_WORLD);
        MPI_Recv(range, 2, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_STOP)
            return 0;
        count = count_primes(range[0], range[1]);
        tag = TAG_COUNT; /* the bug: the master only listens on TAG_ASK */
    }
}
