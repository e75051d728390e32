/* Mutant of exercise 3.1: the right answer, from one thread.  It creates
 * the threads the contract asks for but gives them nothing to do.
 * must fail: speedup/faster_on_every_core */
#include "prime_threads.h"

#include "primes.h"

#include <pthread.h>

static void *idle(void *arg)
{
    return arg;
}

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    pthread_t tid[PT_MAX_THREADS];
    for (int i = 0; i < nthreads; i++)
        pthread_create(&tid[i], NULL, idle, NULL);
    for (int i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        per_thread[i] = 0;
    }
    per_thread[0] = lo < hi ? count_primes(lo, hi) : 0;
    return per_thread[0];
}
