/* bench_split.c: prime counting split over processes, statically and in
 * dynamic chunks, on 1 to 2 x cores worker processes.
 *
 * Static: worker i counts slice i of n equal slices.  Dynamic: the parent
 * writes the start of every chunk into a pipe, and the workers read one
 * chunk at a time from it until it is empty.  Either way each worker sends
 * its count back through a second pipe shared by all.  Large numbers cost
 * more than small ones, so the static worker with the top slice finishes
 * last.  Output: plots/02-processes/split.dat; QUICK=1 runs a small
 * version. */
#include "io.h"
#include "primes.h"
#include "timing.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHUNK = 10000 };

static void reap(int n)
{
    for (int i = 0; i < n; i++)
        wait(NULL);
}

/* Read n counts from the results pipe and add them up. */
static long gather(int fd, int n)
{
    long total = 0, c;
    for (int i = 0; i < n && read_full(fd, &c, sizeof c) == sizeof c; i++)
        total += c;
    return total;
}

static long static_split(uint64_t hi, int n)
{
    int res[2];
    if (pipe(res) != 0)
        return -1;
    fflush(stdout);
    for (int i = 0; i < n; i++)
        if (fork() == 0) {
            long c = count_primes(hi * i / n, hi * (i + 1) / n);
            write_full(res[1], &c, sizeof c);
            _exit(0);
        }
    close(res[1]);
    long total = gather(res[0], n);
    close(res[0]);
    reap(n);
    return total;
}

// [snippet dynamic_worker]
/* A worker of the dynamic split: it takes the start of a chunk from the
 * shared task pipe, counts it, and comes back for more until the pipe is
 * empty and closed.  Every record is 8 bytes, written and read whole, so
 * on Linux no two workers ever get the same chunk (POSIX promises this
 * for the writes only; the chapter says why Linux reads are whole). */
static _Noreturn void chunk_worker(int tasks, int results, uint64_t hi)
{
    long mine = 0;
    uint64_t lo;
    while (read_full(tasks, &lo, sizeof lo) == sizeof lo)
        mine += count_primes(lo, lo + CHUNK < hi ? lo + CHUNK : hi);
    write_full(results, &mine, sizeof mine);
    _exit(0);
}
// [end dynamic_worker]

static long dynamic_split(uint64_t hi, int n)
{
    int task[2], res[2];
    if (pipe(task) != 0 || pipe(res) != 0)
        return -1;
    fflush(stdout);
    for (int i = 0; i < n; i++)
        if (fork() == 0) {
            close(task[1]);
            chunk_worker(task[0], res[1], hi);
        }
    close(task[0]);
    close(res[1]);
    for (uint64_t lo = 0; lo < hi; lo += CHUNK) /* the workers are reading */
        write_full(task[1], &lo, sizeof lo);
    close(task[1]); /* end of file: no more chunks */
    long total = gather(res[0], n);
    close(res[0]);
    reap(n);
    return total;
}

static long sequential(uint64_t hi, int n)
{
    (void)n;
    return count_primes(0, hi);
}

/* One round times the three versions back to back, in an order that
 * rotates from round to round, so that a burst of other load on the
 * machine hits all three alike; the medians of the rounds are kept. */
static void measure(uint64_t hi, int n, int runs, long want, double med[3])
{
    long (*const how[3])(uint64_t, int) = { sequential, static_split,
                                            dynamic_split };
    double t[3][9];
    for (int r = 0; r < runs; r++)
        for (int k = 0; k < 3; k++) {
            int v = (r + k) % 3;
            double t0 = now_s();
            long got = how[v](hi, n);
            t[v][r] = now_s() - t0;
            if (got != want)
                fprintf(stderr, "wrong count with %d workers: %ld\n", n, got);
        }
    for (int v = 0; v < 3; v++)
        med[v] = median(t[v], runs);
}

int main(void)
{
    int quick = quick_mode(), cores = usable_cores();
    uint64_t hi = quick ? 300000 : 5000000;
    int runs = quick ? 1 : 5, max = quick ? 2 : 2 * cores;
    long want = count_primes(0, hi);
    print_machine(stdout);
    printf("# columns: workers static_s dynamic_s static_speedup "
           "dynamic_speedup cores\n");
    for (int n = 1; n <= max; n++) {
        double m[3];
        measure(hi, n, runs, want, m);
        printf("%d %.4f %.4f %.3f %.3f %d\n", n, m[1], m[2], m[0] / m[1],
               m[0] / m[2], cores);
        fflush(stdout);
    }
    return 0;
}
