/* Mutant of exercise 3.3 (grader trust, class 4): every thread adds into
 * one shared total without a lock, except when compiled under
 * ThreadSanitizer, where it takes a mutex and so would hide the race from
 * the race test.  The grader undefines the sanitizer macros.
 * must fail: race/no_data_race */
#include "reduction.h"

#include "mix.h"

#include <pthread.h>

struct job {
    uint64_t lo, hi;
    uint64_t *total;
};

#ifdef __SANITIZE_THREAD__
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
#endif

static void *add(void *arg)
{
    struct job *j = arg;
    for (uint64_t i = j->lo; i < j->hi; i++) {
#ifdef __SANITIZE_THREAD__
        pthread_mutex_lock(&lock);
        *j->total += mix64(i);
        pthread_mutex_unlock(&lock);
#else
        *j->total += mix64(i);
#endif
    }
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    struct job jobs[RD_MAX_THREADS];
    pthread_t tids[RD_MAX_THREADS];
    uint64_t total = 0;
    int t = nthreads < RD_MAX_THREADS ? nthreads : RD_MAX_THREADS;
    for (int i = 0; i < t; i++) {
        jobs[i] = (struct job){ n / t * i, i == t - 1 ? n : n / t * (i + 1), &total };
        pthread_create(&tids[i], NULL, add, &jobs[i]);
    }
    for (int i = 0; i < t; i++)
        pthread_join(tids[i], NULL);
    return total;
}
