/* Mutant of exercise 3.3: correct and race-free because only one thread
 * does any work; the others are created and joined for show.
 * must fail: speedup/faster_on_every_core
 * must name: the record shows one worker */
#include "reduction.h"

#include "mix.h"

#include <pthread.h>

struct job {
    uint64_t n, sum;
};

static void *add_all(void *arg)
{
    struct job *j = arg;
    for (uint64_t i = 0; i < j->n; i++)
        j->sum += mix64(i);
    return NULL;
}

static void *nothing(void *arg)
{
    return arg;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    pthread_t tid[RD_MAX_THREADS];
    struct job job = { n, 0 };
    for (int i = 0; i < nthreads; i++)
        pthread_create(&tid[i], NULL, i == 0 ? add_all : nothing, &job);
    for (int i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    return job.sum;
}
