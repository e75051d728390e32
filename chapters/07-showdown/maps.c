/* maps.c: the notes' rule as two maps, measured here.
 *
 * 1. Threads against the event loop.  For a grid of connection counts
 *    (10 to 10,000) and server delays (0.1 ms to 500 ms), the same I/O
 *    workload runs on a thread per connection and on chapter 4's loop,
 *    each in a fresh process: wall time and peak memory.  Each
 *    connection sends 100 ms / delay requests, but at least one, at most
 *    100, and at most 20,000 in all (so a run at 0.1 ms waits only about
 *    10 ms).  Every cell runs ROUNDS times, the two models taking turns
 *    at going first, and keeps the median of each measure: one run, and
 *    threads always first, would let a busy moment of the machine decide.
 *      -> crossover.dat
 * 2. The cost of parallelism.  A batch of 100 CPU-bound tasks (each
 *    counts the primes in a window of the given size, near one million)
 *    runs one after another here, on a pool of processes and on a pool of
 *    threads, one worker per core.  Each pool is started and stopped
 *    inside the measurement, as a program that needs one for this batch
 *    would.  The break-even size is where a pool starts to beat plain
 *    sequential code.
 *      -> sweep.dat and breakeven.dat
 *
 *   maps                 print the data
 *   maps --out DIR       ... and write it into DIR (`make showdown`)
 *
 * QUICK=1 runs a small version, and writes to build/07-showdown instead
 * of DIR.  The program checks that its own output is well formed and fails
 * if it is not; it never judges a timing. */
#define _GNU_SOURCE
#include "models.h"
#include "net.h"
#include "primes.h"
#include "slow_server.h"
#include "timing.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TIE 0.10 /* as in showdown.c: within 10% is a tie */

static int quick, problems;
static char command[512] = "build/demo/07-showdown/maps"; /* for the data's header */


static void problem(const char *what, const char *detail)
{
    fprintf(stderr, "maps: self-check: %s: %s\n", what, detail);
    problems++;
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t n)
{
    if (!dir)
        return NULL;
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "maps: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* Print a line on the terminal and into the data file, if there is one. */
static void out(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    if (f) {
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
    }
}

/* =========================================================================
 * 1. Threads against the event loop
 * ========================================================================= */

static int requests_per_conn(int conns, double delay_ms)
{
    int k = (int)lround(100.0 / delay_ms); /* about 0.1 s of waiting */
    k = k < 1 ? 1 : k > 100 ? 100 : k;
    while (k > 1 && (long)k * conns > 20000)
        k--;
    return k;
}

#define ROUNDS 3

/* The median wall time and the median peak memory of n runs. */
static struct cell median_cell(const struct cell *runs, int n)
{
    double wall[ROUNDS], peak[ROUNDS];
    for (int r = 0; r < n; r++)
        wall[r] = runs[r].wall, peak[r] = runs[r].peak_mb;
    struct cell m = runs[0];
    m.wall = median(wall, n);
    m.peak_mb = median(peak, n);
    return m;
}

/* One cell of the map, `rounds` times, threads and the loop taking turns
 * at going first (each run with a fresh server).  0 if every run was
 * right, and the medians in *t and *l. */
static int cross_cell(int n, int k, double delay_ms, int rounds, struct cell *t, struct cell *l)
{
    struct cell rt[ROUNDS], rl[ROUNDS];
    long want = (long)n * k;
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0)
            rt[r] = model_io_cell(MODEL_THREADS, delay_ms, n, k),
            rl[r] = model_io_cell(MODEL_EVLOOP, delay_ms, n, k);
        else
            rl[r] = model_io_cell(MODEL_EVLOOP, delay_ms, n, k),
            rt[r] = model_io_cell(MODEL_THREADS, delay_ms, n, k);
        bad |= !rt[r].ran || !rl[r].ran || rt[r].ok != want || rl[r].ok != want;
        *t = rt[r], *l = rl[r]; /* a failed run is reported as it was */
        if (bad)
            return -1;
    }
    *t = median_cell(rt, rounds);
    *l = median_cell(rl, rounds);
    return 0;
}

static const char *winner(const struct cell *t, const struct cell *l)
{
    if (t->wall > l->wall * (1 + TIE))
        return "loop";
    if (l->wall > t->wall * (1 + TIE))
        return "threads";
    if (t->peak_mb > l->peak_mb * (1 + TIE) && t->peak_mb > l->peak_mb + 1)
        return "loop(memory)";
    if (l->peak_mb > t->peak_mb * (1 + TIE) && l->peak_mb > t->peak_mb + 1)
        return "threads(memory)";
    return "tie";
}

static void crossover(const char *dir)
{
    static const int full_conns[] = { 10, 30, 100, 300, 1000, 3000, 10000 };
    static const double full_delay[] = { 0.1, 1, 10, 100, 500 };
    static const int quick_conns[] = { 10, 100 };
    static const double quick_delay[] = { 1, 50 };
    const int *conns = quick ? quick_conns : full_conns;
    const double *delay = quick ? quick_delay : full_delay;
    int nconns = quick ? 2 : 7, ndelay = quick ? 2 : 5, rounds = quick ? 1 : ROUNDS;
    char path[1200];
    FILE *f = open_out(dir, "crossover.dat", path, sizeof path);
    print_machine(stdout);
    if (f)
        print_machine(f);
    print_conditions(stdout, command);
    if (f)
        print_conditions(f, command);
    out(f, "# a thread per connection against chapter 4's loop; each in a fresh process; "
        "cores free at the start: %.2f of %d\n", cores_free(usable_cores()), usable_cores());
    out(f, "# each cell: the medians of %d runs, threads and the loop taking turns at going "
        "first; requests: per connection\n", rounds);
    out(f, "# ratios: threads / loop; winner: faster by more than %.0f%%, else leaner, "
        "else tie\n", TIE * 100);
    out(f, "# columns: connections delay_(ms) requests threads_(s) loop_(s) threads_(MB) "
        "loop_(MB) time_ratio memory_ratio winner\n");
    for (int d = 0; d < ndelay; d++) {
        for (int c = 0; c < nconns; c++) {
            int n = conns[c], k = requests_per_conn(n, delay[d]);
            char why[200];
            struct cell t = { 0 }, l = { 0 };
            if (!model_io_fits(MODEL_THREADS, n, 0, why, sizeof why) ||
                !model_io_fits(MODEL_EVLOOP, n, 0, why, sizeof why)) {
                out(f, "%d %g %d - - - - - - skipped\n", n, delay[d], k);
                printf("#   (%d connections: %s)\n", n, why);
                if (f)
                    fprintf(f, "# %d connections at %g ms: %s\n", n, delay[d], why);
                continue;
            }
            if (cross_cell(n, k, delay[d], rounds, &t, &l) != 0) {
                char what[600];
                snprintf(what, sizeof what, "%d connections x %d at %g ms: threads %ld right "
                         "(%s), loop %ld right (%s)", n, k, delay[d], t.ok, t.why, l.ok, l.why);
                problem("crossover", what);
                continue;
            }
            out(f, "%d %g %d %.4f %.4f %.1f %.1f %.3f %.3f %s\n", n, delay[d], k, t.wall,
                l.wall, t.peak_mb, l.peak_mb, t.wall / l.wall, t.peak_mb / l.peak_mb,
                winner(&t, &l));
            fflush(stdout);
        }
    }
    out(f, "# cores free at the end: %.2f of %d\n", cores_free(usable_cores()), usable_cores());
    if (f && fclose(f) != 0)
        problem(path, "could not be written");
}

/* =========================================================================
 * 2. The cost of parallelism
 * ========================================================================= */

#define BASE 1000000ULL
#define TASKS 100

// [snippet task]
/* Task i of a batch: the primes in the i-th window of `size` numbers
 * after one million.  The window's size sets the task's cost. */
static long window(long i, const void *arg)
{
    long size = *(const long *)arg;
    uint64_t lo = BASE + (uint64_t)i * (uint64_t)size;
    return count_primes(lo, lo + (uint64_t)size);
}
// [end task]

/* The three ways to run a batch: 0 here, 1 process pool, 2 thread pool.
 * Returns seconds, or -1 if the answer was wrong. */
static double run_batch(int way, int workers, long size, long want)
{
    double t0 = now_s();
    long got = 0;
    if (way == 0)
        for (long i = 0; i < TASKS; i++)
            got += window(i, &size);
    else
        got = farm_run(way == 1 ? FARM_PROCESSES : FARM_THREADS, workers, TASKS, window, &size,
                       NULL);
    double t = now_s() - t0;
    return got == want ? t : -1;
}

static double start_stop_us(enum farm_kind kind, int workers, int rounds)
{
    double t[15];
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        farm_run(kind, workers, 0, window, NULL, NULL);
        t[r] = (now_s() - t0) * 1e6;
    }
    return median(t, rounds);
}

/* Where seq/pool crosses 1, interpolated on log scales between the last
 * size where the pool lost and the first from which it always won.
 * Returns 0 if it never won, -size[0] if it always won. */
static double break_even(const long *size, const double *seq, const double *pool, int n)
{
    int first = n; /* the pool wins at first..n-1 */
    while (first > 0 && pool[first - 1] > 0 && pool[first - 1] < seq[first - 1])
        first--;
    if (first == n)
        return 0;
    if (first == 0)
        return -(double)size[0];
    double a = log(seq[first - 1] / pool[first - 1]), b = log(seq[first] / pool[first]);
    double la = log((double)size[first - 1]), lb = log((double)size[first]);
    return exp(la + (lb - la) * (-a) / (b - a));
}

static void sweep(const char *dir)
{
    static const long full[] = { 1, 3, 10, 30, 100, 300, 1000, 3000, 10000, 30000 };
    static const long small[] = { 1, 10, 100, 1000 };
    const long *size = quick ? small : full;
    int n = quick ? 4 : 10, rounds = quick ? 1 : 5, workers = usable_cores();
    double seq[10], proc[10], thr[10], task_us[10];
    char path[1200];
    FILE *f = open_out(dir, "sweep.dat", path, sizeof path);
    print_machine(stdout);
    if (f)
        print_machine(f);
    out(f, "# %d tasks per batch; pools of %d workers, started and stopped inside the "
        "measurement; median of %d rounds; cores free at the start: %.2f of %d\n", TASKS,
        workers, rounds, cores_free(usable_cores()), workers);
    out(f, "# columns: numbers_per_task task_(us) sequential_(ms) process_pool_(ms) "
        "thread_pool_(ms) process_speedup thread_speedup\n");
    for (int i = 0; i < n; i++) {
        long want = 0;
        for (long t = 0; t < TASKS; t++)
            want += window(t, &size[i]);
        double t[3][5];
        for (int r = 0; r < rounds; r++) /* interleaved, in turns */
            for (int k = 0; k < 3; k++) {
                int way = (r + k) % 3;
                t[way][r] = run_batch(way, workers, size[i], want);
                if (t[way][r] < 0)
                    problem("sweep", "a batch counted the wrong number of primes");
            }
        seq[i] = median(t[0], rounds), proc[i] = median(t[1], rounds);
        thr[i] = median(t[2], rounds);
        task_us[i] = seq[i] / TASKS * 1e6;
        out(f, "%ld %.3f %.3f %.3f %.3f %.3f %.3f\n", size[i], task_us[i], seq[i] * 1e3,
            proc[i] * 1e3, thr[i] * 1e3, seq[i] / proc[i], seq[i] / thr[i]);
        fflush(stdout);
    }
    if (f && fclose(f) != 0)
        problem(path, "could not be written");

    f = open_out(dir, "breakeven.dat", path, sizeof path);
    print_machine(stdout);
    if (f)
        print_machine(f);
    out(f, "# the smallest task (numbers per task, and its time) at which a pool of %d "
        "beats sequential code on a batch of %d tasks; 0: never; negative: already at the "
        "smallest size\n", workers, TASKS);
    out(f, "# columns: pool start+stop_(us) break-even_numbers break-even_task_(us)\n");
    const char *name[] = { "process_pool", "thread_pool" };
    double *pool[] = { proc, thr };
    for (int p = 0; p < 2; p++) {
        double s = break_even(size, seq, pool[p], n);
        double us = 0; /* the task time at that size, by the same interpolation */
        for (int i = 1; i < n && s > 0; i++)
            if (size[i] >= s) {
                double w = log(s / (double)size[i - 1]) / log((double)size[i] / (double)size[i - 1]);
                us = exp(log(task_us[i - 1]) + w * (log(task_us[i]) - log(task_us[i - 1])));
                break;
            }
        out(f, "%s %.0f %.0f %.2f\n", name[p],
            start_stop_us(p ? FARM_THREADS : FARM_PROCESSES, workers, rounds * 3), s, us);
    }
    out(f, "# cores free at the end: %.2f of %d\n", cores_free(workers), workers);
    if (f && fclose(f) != 0)
        problem(path, "could not be written");
}

/* =========================================================================
 * Checking our own output
 * ========================================================================= */

static void check_file(const char *dir, const char *name, int want_cols)
{
    char path[1200], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    int rows = 0, machine = 0, columns = 0;
    if (!f) {
        problem(path, "was not written");
        return;
    }
    while (fgets(line, sizeof line, f)) {
        machine |= strncmp(line, "# machine:", 10) == 0;
        columns |= strncmp(line, "# columns:", 10) == 0;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        int fields = 0;
        for (char *save, *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
            fields++;
        if (fields != want_cols)
            problem(path, "a row does not have as many fields as the columns line names");
        rows++;
    }
    fclose(f);
    if (!machine || !columns || rows == 0)
        problem(path, "has no machine line, columns line or rows");
}

int main(int argc, char **argv)
{
    quick = quick_mode();
    for (int i = 1; i < argc; i++) /* the command line, as the header records it */
        snprintf(command + strlen(command), sizeof command - strlen(command), " %s", argv[i]);
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--out"))
            dir = argv[i + 1];
    if (dir && quick) {
        printf("QUICK=1: the data goes to build/07-showdown, not over %s.\n", dir);
        dir = "build/07-showdown";
    }
    char scratch[] = "/tmp/maps-XXXXXX";
    const char *where = dir ? dir : mkdtemp(scratch);
    if (!where)
        return 1;
    mkdir("build", 0777);
    mkdir(where, 0777);
    raise_fd_limit(1L << 20);
    double t0 = now_s();
    crossover(where);
    printf("\n");
    sweep(where);
    check_file(where, "crossover.dat", 10);
    check_file(where, "sweep.dat", 7);
    check_file(where, "breakeven.dat", 4);
    if (!dir) { /* only checked: nothing is kept */
        const char *names[] = { "crossover.dat", "sweep.dat", "breakeven.dat" };
        for (int i = 0; i < 3; i++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", where, names[i]);
            unlink(path);
        }
        rmdir(where);
    } else {
        printf("\nData written to %s/{crossover,sweep,breakeven}.dat\n", dir);
    }
    printf("The maps took %.0f s.  ", now_s() - t0);
    if (problems) {
        printf("Self-check: %d problem%s (above).\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    printf("Self-check: the data is well formed.\n");
    return 0;
}
