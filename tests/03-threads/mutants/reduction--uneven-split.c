/* Mutant of exercise 3.3: correct, race-free and parallel, but the
 * split is uneven: the first thread of each pair gets an eighth of the
 * pair's share and the second seven eighths, so one finishes early.
 * The judge must name the imbalance.
 * must fail: speedup/faster_on_every_core
 * must name: the record shows imbalance */
#include "reduction.h"

#include "mix.h"

#include <pthread.h>

struct share {
    pthread_t tid;
    int started;
    uint64_t lo, hi;
    uint64_t sum; /* written once, by its own thread, at the end */
};

static void *add_share(void *arg)
{
    struct share *s = arg;
    uint64_t sum = 0;
    for (uint64_t i = s->lo; i < s->hi; i++)
        sum += mix64(i);
    s->sum = sum;
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    struct share shares[RD_MAX_THREADS];
    int t = nthreads < RD_MAX_THREADS ? nthreads : RD_MAX_THREADS;
    for (int i = 0; i < t; i++) {
        uint64_t pair = n / t * 2, base = n / t * (i & ~1);
        shares[i] = (struct share){ .lo = i & 1 ? base + pair / 8 : base,
                                    .hi = i & 1 ? base + pair : base + pair / 8 };
        if (i == t - 1 && !(i & 1))
            shares[i] = (struct share){ .lo = n / t * i, .hi = n };
        if (i == t - 1)
            shares[i].hi = n; /* the last share takes the remainder */
        shares[i].started =
            pthread_create(&shares[i].tid, NULL, add_share, &shares[i]) == 0;
        if (!shares[i].started)
            add_share(&shares[i]); /* no thread to be had: do it here */
    }
    uint64_t total = 0;
    for (int i = 0; i < t; i++) {
        if (shares[i].started)
            pthread_join(shares[i].tid, NULL);
        total += shares[i].sum;
    }
    return total;
}
