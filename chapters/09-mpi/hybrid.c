/* hybrid.c: MPI between processes, threads inside each one.
 *
 * On a cluster, a common layout is one rank per machine (or per socket)
 * and one thread per core inside it: the threads share memory and the
 * ranks send messages.  MPI must be told that threads exist, with
 * MPI_Init_thread() and the level of thread support the program needs;
 * here only the main thread calls MPI (FUNNELED).  Each rank counts its
 * block with chapter 3's thread pool from lib/primes.c. */
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

static const char *level(int provided)
{
    return provided == MPI_THREAD_SINGLE       ? "MPI_THREAD_SINGLE"
           : provided == MPI_THREAD_FUNNELED   ? "MPI_THREAD_FUNNELED"
           : provided == MPI_THREAD_SERIALIZED ? "MPI_THREAD_SERIALIZED"
                                               : "MPI_THREAD_MULTIPLE";
}

int main(int argc, char **argv)
{
    relaunch_under_mpirun(argv, 2);
    // [snippet hybrid]
    int provided, rank, size;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    if (provided < MPI_THREAD_FUNNELED) /* MPI may offer less than asked */
        MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int threads = usable_cores() / size > 1 ? usable_cores() / size : 2;
    uint64_t n = quick_mode() ? 200000 : 5000000;
    uint64_t lo = n * rank / size, hi = n * (rank + 1) / size;
    double t0 = MPI_Wtime();
    long mine = count_primes_threads(lo, hi, threads, 10000), total = 0;
    MPI_Reduce(&mine, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    // [end hybrid]
    if (rank == 0)
        printf("%d ranks x %d threads (%s): %ld primes below %llu in %.3f s\n",
               size, threads, level(provided), total, (unsigned long long)n,
               MPI_Wtime() - t0);
    MPI_Finalize();
    return 0;
}
