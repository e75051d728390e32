/* bench_scaling.c: prime counting on 1 to 2 x cores threads, twice: as C
 * runs it (no lock at all on the hot path), and with a GIL, one global
 * lock that a thread must hold for every step of work, as CPython's
 * threads must hold theirs to run bytecode.
 * Output: plots/03-threads/scaling.dat; QUICK=1 runs a small version. */
#include "primes.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { CHUNK = 1000, MAX_THREADS = 64 };

struct work {
    _Atomic uint64_t next;
    uint64_t hi;
    int gil;               /* hold the global lock for every step? */
    _Atomic long total;
};

// [snippet gil]
static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;

/* One step of work: test one number.  With a GIL, only the thread
 * holding the lock may take a step, on however many cores. */
static long step(uint64_t n, int with_gil)
{
    if (with_gil)
        pthread_mutex_lock(&gil);
    long found = is_prime(n);
    if (with_gil)
        pthread_mutex_unlock(&gil);
    return found;
}
// [end gil]

static void *worker(void *arg)
{
    struct work *w = arg;
    long mine = 0;
    for (;;) {
        uint64_t lo = atomic_fetch_add(&w->next, CHUNK);
        if (lo >= w->hi)
            break;
        for (uint64_t n = lo; n < lo + CHUNK && n < w->hi; n++)
            mine += step(n, w->gil);
    }
    atomic_fetch_add(&w->total, mine);
    return NULL;
}

static double timed_count(uint64_t hi, int threads, int with_gil, long *count)
{
    struct work w = { .next = 0, .hi = hi, .gil = with_gil };
    pthread_t tid[MAX_THREADS];
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, worker, &w);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    *count = atomic_load(&w.total);
    return now_s() - t0;
}

static double median_of(uint64_t hi, int threads, int with_gil, int runs)
{
    double t[9];
    long count;
    for (int r = 0; r < runs; r++)
        t[r] = timed_count(hi, threads, with_gil, &count);
    return median(t, runs);
}

int main(void)
{
    int quick = quick_mode(), cores = usable_cores();
    uint64_t hi = quick ? 200000 : 2000000;
    int runs = quick ? 1 : 3, max = quick ? 2 : 2 * cores < 4 ? 4 : 2 * cores;
    max = max < MAX_THREADS ? max : MAX_THREADS;
    print_machine(stdout);
    printf("# columns: threads C_threads_(s) C_speedup GIL_(s) GIL_speedup\n");
    double c1 = median_of(hi, 1, 0, runs), g1 = median_of(hi, 1, 1, runs);
    for (int t = 1; t <= max; t++) {
        double c = t == 1 ? c1 : median_of(hi, t, 0, runs);
        double g = t == 1 ? g1 : median_of(hi, t, 1, runs);
        printf("%d %.3f %.2f %.3f %.2f\n", t, c, c1 / c, g, c1 / g);
        fflush(stdout);
    }
    return 0;
}
