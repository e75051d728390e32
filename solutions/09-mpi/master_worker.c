/* Exercise 9.1, a solution: a master that hands out chunks on demand and
 * counts small pieces of its own in between. */
#include "master_worker.h"

#include "primes.h"

#include <mpi.h>

enum { TAG_ASK = 1, TAG_WORK = 2, TAG_STOP = 3 };

struct master {
    uint64_t next, hi, chunk; /* the numbers nobody has taken yet */
    long total;
    int stopped;              /* workers told to stop */
};

/* A worker asked, handing in its last count: give it the next chunk, or
 * tell it to stop. */
static void answer(struct master *m, int worker)
{
    long count;
    MPI_Recv(&count, 1, MPI_LONG, worker, TAG_ASK, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    m->total += count;
    if (m->next < m->hi) {
        uint64_t range[2] = { m->next, m->hi - m->next > m->chunk
                                           ? m->next + m->chunk : m->hi };
        m->next = range[1];
        MPI_Send(range, 2, MPI_UINT64_T, worker, TAG_WORK, MPI_COMM_WORLD);
    } else {
        MPI_Send(NULL, 0, MPI_UINT64_T, worker, TAG_STOP, MPI_COMM_WORLD);
        m->stopped++;
    }
}

static long run_master(uint64_t lo, uint64_t hi, uint64_t chunk, int workers)
{
    struct master m = { lo, hi, chunk, 0, 0 };
    /* Small pieces for the master itself: a worker that asks while the
     * master counts waits for one piece at most. */
    uint64_t piece = chunk / 8 ? chunk / 8 : 1;
    while (m.next < m.hi || m.stopped < workers) {
        int waiting;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &waiting, &st);
        if (waiting) {
            answer(&m, st.MPI_SOURCE);
        } else if (m.next < m.hi) {
            uint64_t a = m.next;
            m.next = m.hi - a > piece ? a + piece : m.hi;
            m.total += count_primes(a, m.next);
        } else { /* nothing left to count: wait for the last workers */
            MPI_Probe(MPI_ANY_SOURCE, TAG_ASK, MPI_COMM_WORLD, &st);
            answer(&m, st.MPI_SOURCE);
        }
    }
    return m.total;
}

static void run_worker(void)
{
    long count = 0; /* the first request hands in nothing */
    for (;;) {
        uint64_t range[2];
        MPI_Status st;
        MPI_Send(&count, 1, MPI_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
        MPI_Recv(range, 2, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_STOP)
            return;
        count = count_primes(range[0], range[1]);
    }
}

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 0)
        return run_master(lo, hi, chunk ? chunk : 1, size - 1);
    run_worker();
    return 0;
}
