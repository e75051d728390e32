/* Mutant of exercise 3.1: it knows the answers to the ranges the tests
 * used to ask (all fixed), and says 0 anywhere else.  The tests
 * now start their ranges at a point drawn from the run's seed.
 * must fail: prime_threads/several_threads, speedup/faster_on_every_core */
#include "prime_threads.h"

#include <pthread.h>

static const struct {
    uint64_t lo, hi;
    long count;
} known[] = {
    { 0, 100, 25 },       { 0, 10000, 1229 },   { 999000, 1000100, 71 },
    { 2, 3, 1 },          { 0, 200000, 17984 }, { 0, 1200000, 92938 },
};

static void *idle(void *arg)
{
    return arg;
}

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    long total = 0;
    for (unsigned i = 0; i < sizeof known / sizeof *known; i++)
        if (known[i].lo == lo && known[i].hi == hi)
            total = known[i].count;
    pthread_t tid[PT_MAX_THREADS];
    for (int i = 0; i < nthreads; i++) /* the threads the contract asks for */
        pthread_create(&tid[i], NULL, idle, NULL);
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        per_thread[i] = 0;
    }
    per_thread[0] = total;
    return total;
}
