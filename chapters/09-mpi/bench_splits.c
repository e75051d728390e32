/* bench_splits.c: three ways to split prime counting over MPI ranks,
 * from 1 rank to twice the cores (plots/09-mpi/splits.dat).
 *
 * Block: rank r takes the r-th slice of [0, N).  Cyclic: rank r takes
 * r, r + size, r + 2 size, ...  Master/worker: rank 0 hands out chunks on
 * request and the others count them.  Each rank also times its own
 * counting (bench_balance.c, which includes this file, prints how evenly
 * the work fell).  Run by hand, the program starts one mpirun job per
 * measurement (three per setting; the median is kept) and prints the
 * table; each job runs this same program with "run SPLIT N". */
#define _GNU_SOURCE
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

// [snippet block]
static long block_split(uint64_t n, int rank, int size)
{
    uint64_t lo = n * rank / size, hi = n * (rank + 1) / size;
    return count_primes(lo, hi); /* rank r: the r-th slice */
}
// [end block]

// [snippet cyclic]
static long cyclic_split(uint64_t n, int rank, int size)
{
    long count = 0;
    for (uint64_t k = rank; k < n; k += size) /* rank r: r, r + size, ... */
        count += is_prime(k);
    return count;
}
// [end cyclic]

enum { TAG_ASK = 1, TAG_WORK = 2, TAG_STOP = 3, CHUNK = 10000 };

// [snippet master]
static long master(uint64_t n, int size)
{
    uint64_t next = 0;
    long total = 0;
    for (int stopped = 0; stopped < size - 1;) {
        long count;
        MPI_Status st; /* any worker: whoever asks first is served first */
        MPI_Recv(&count, 1, MPI_LONG, MPI_ANY_SOURCE, TAG_ASK,
                 MPI_COMM_WORLD, &st);
        total += count;  /* each request hands in the last chunk's count */
        if (next < n) {
            uint64_t range[2] = { next, next + CHUNK < n ? next + CHUNK : n };
            next = range[1];
            MPI_Send(range, 2, MPI_UINT64_T, st.MPI_SOURCE, TAG_WORK,
                     MPI_COMM_WORLD);
        } else {         /* nothing left: this worker may go */
            MPI_Send(NULL, 0, MPI_UINT64_T, st.MPI_SOURCE, TAG_STOP,
                     MPI_COMM_WORLD);
            stopped++;
        }
    }
    return total;
}
// [end master]

// [snippet worker]
static void worker(double *work)
{
    long count = 0; /* nothing to hand in with the first request */
    for (;;) {
        uint64_t range[2];
        MPI_Status st;
        MPI_Send(&count, 1, MPI_LONG, 0, TAG_ASK, MPI_COMM_WORLD);
        MPI_Recv(range, 2, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_STOP)
            return;
        double t0 = MPI_Wtime();
        count = count_primes(range[0], range[1]);
        *work += MPI_Wtime() - t0;
    }
}
// [end worker]

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* One measurement, inside the job: every rank times its own counting,
 * and its CPU time, which includes any time spent polling for messages. */
static void run(const char *split, uint64_t n)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime(), cpu0 = cpu_now(), work = 0, t0 = start;
    long mine = 0, total = 0;
    if (strcmp(split, "master/worker") == 0 && size > 1) {
        if (rank == 0)
            mine = master(n, size);
        else
            worker(&work);
    } else {
        mine = strcmp(split, "cyclic") == 0 ? cyclic_split(n, rank, size)
                                            : block_split(n, rank, size);
        work = MPI_Wtime() - t0;
    }
    MPI_Reduce(&mine, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    double wall = MPI_Wtime() - start, mine2[2] = { work, cpu_now() - cpu0 };
    double *all = malloc(2 * (size_t)size * sizeof *all);
    MPI_Gather(mine2, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        int most = 0, least = 0;
        for (int r = 0; r < size; r++) {
            most = all[2 * r] > all[2 * most] ? r : most;
            least = all[2 * r] < all[2 * least] ? r : least;
        }
        printf("%ld %.6f %.6f %.6f %.6f\n", total, wall, all[2 * most],
               all[2 * least], all[2 * least + 1]);
    }
    free(all);
}

struct result {
    long primes;
    double wall, most, least, least_cpu; /* least_cpu: the idlest rank's CPU */
};

static int by_wall(const void *a, const void *b)
{
    double x = ((const struct result *)a)->wall, y = ((const struct result *)b)->wall;
    return (x > y) - (x < y);
}

/* The median of `runs` jobs of one setting. */
static struct result measure(const char *self, const char *split, int ranks,
                             uint64_t n, int runs)
{
    struct result r[9] = { { 0 } };
    char nbuf[32], out[256];
    snprintf(nbuf, sizeof nbuf, "%llu", (unsigned long long)n);
    const char *cmd[] = { self, "run", split, nbuf, NULL };
    for (int i = 0; i < runs; i++) {
        if (mpirun_capture(ranks, cmd, out, sizeof out, 300) != 0 ||
            sscanf(out, "%ld %lf %lf %lf %lf", &r[i].primes, &r[i].wall,
                   &r[i].most, &r[i].least, &r[i].least_cpu) != 5) {
            fprintf(stderr, "bench_splits: %s on %d ranks failed: %s\n", split,
                    ranks, out);
            exit(1);
        }
    }
    qsort(r, (size_t)runs, sizeof *r, by_wall);
    return r[runs / 2];
}

static const char *const splits[] = { "block", "cyclic", "master/worker" };

static const char *self_path(void)
{
    static char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    return self;
}

/* A job's side of the program: "run SPLIT N" in every rank. */
static int job(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    run(argv[2], strtoull(argv[3], NULL, 10));
    MPI_Finalize();
    return 0;
}

#ifndef SPLITS_NO_MAIN
int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "run") == 0)
        return job(argc, argv);
    int quick = quick_mode(), max_ranks = quick ? 2 : 2 * usable_cores();
    int runs = quick ? 1 : 3;
    uint64_t n = quick ? 200000 : 5000000;
    struct result r[3][65];
    for (int s = 0; s < 3; s++)
        for (int ranks = 1; ranks <= max_ranks && ranks <= 64; ranks++)
            r[s][ranks] = measure(self_path(), splits[s], ranks, n, runs);
    print_machine(stdout);
    printf("# primes below %llu; wall time from the first barrier to the "
           "reduced total, median of %d jobs\n", (unsigned long long)n, runs);
    printf("# columns: ranks block_(s) block_speedup cyclic_(s) cyclic_speedup "
           "master/worker_(s) master/worker_speedup\n");
    for (int ranks = 1; ranks <= max_ranks && ranks <= 64; ranks++) {
        printf("%5d", ranks);
        for (int s = 0; s < 3; s++)
            printf(" %8.3f %7.2f", r[s][ranks].wall, r[s][1].wall / r[s][ranks].wall);
        printf("\n");
        for (int s = 0; s < 3; s++)
            if (n == 5000000 && r[s][ranks].primes != 348513)
                return 1;
    }
    return 0;
}
#endif
