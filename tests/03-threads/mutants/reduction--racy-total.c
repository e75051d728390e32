/* Mutant of exercise 3.3: the false sharing is fixed (a local sum per
 * thread), the race is not: each thread adds its sum into one shared
 * total without a lock.  With a handful of additions the answer is
 * almost always right, so only the race check can tell.
 * must fail: race/no_data_race */
#include "reduction.h"

#include "mix.h"

#include <pthread.h>

static uint64_t total;

struct share {
    uint64_t lo, hi;
};

static void *add_share(void *arg)
{
    struct share *s = arg;
    uint64_t sum = 0;
    for (uint64_t i = s->lo; i < s->hi; i++)
        sum += mix64(i);
    total += sum;
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    pthread_t tid[RD_MAX_THREADS];
    struct share shares[RD_MAX_THREADS];
    total = 0;
    for (int i = 0; i < nthreads; i++) {
        shares[i] = (struct share){ n / nthreads * i, n / nthreads * (i + 1) };
        if (i == nthreads - 1)
            shares[i].hi = n;
        pthread_create(&tid[i], NULL, add_share, &shares[i]);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    return total;
}
