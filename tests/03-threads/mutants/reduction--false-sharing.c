/* Mutant of exercise 3.3: the race is fixed (the totals are added after
 * the joins), the false sharing is not: every addition goes to the
 * thread's slot in an array whose slots share a cache line.  Correct and
 * race-free, and no faster on two cores than on one.
 * must fail: speedup/faster_on_every_core */
#include "reduction.h"

#include "mix.h"

#include <pthread.h>

static uint64_t partial[RD_MAX_THREADS]; /* 8 bytes apart: 8 per line */

struct share {
    uint64_t lo, hi;
    int id;
};

static void *add_share(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        partial[s->id] += mix64(i);
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    pthread_t tid[RD_MAX_THREADS];
    struct share shares[RD_MAX_THREADS];
    for (int i = 0; i < nthreads; i++) {
        shares[i] = (struct share){ n / nthreads * i, n / nthreads * (i + 1), i };
        if (i == nthreads - 1)
            shares[i].hi = n;
        partial[i] = 0;
        pthread_create(&tid[i], NULL, add_share, &shares[i]);
    }
    uint64_t total = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        total += partial[i];
    }
    return total;
}
