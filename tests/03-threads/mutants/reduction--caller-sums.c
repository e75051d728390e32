/* Mutant of exercise 3.3: the caller computes the whole sum itself while
 * the threads it creates only spin for a moment, for show.  The judge
 * must name the work done in the wrong place.
 * must fail: speedup/faster_on_every_core
 * must name: the record shows wrong place */
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
    volatile uint64_t spin = 0;
    for (uint64_t i = 0; i < (s->hi - s->lo) / 64; i++)
        spin += i; /* BUG: decoy work; the caller does the real sum */
    s->sum = 0;
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    struct share shares[RD_MAX_THREADS];
    int t = nthreads < RD_MAX_THREADS ? nthreads : RD_MAX_THREADS;
    for (int i = 0; i < t; i++) {
        shares[i] = (struct share){ .lo = n / t * i, .hi = n / t * (i + 1) };
        if (i == t - 1)
            shares[i].hi = n; /* the last share takes the remainder */
        shares[i].started =
            pthread_create(&shares[i].tid, NULL, add_share, &shares[i]) == 0;
        if (!shares[i].started)
            add_share(&shares[i]); /* no thread to be had: do it here */
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; i++)
        total += mix64(i);
    for (int i = 0; i < t; i++)
        if (shares[i].started)
            pthread_join(shares[i].tid, NULL);
    return total;
}
