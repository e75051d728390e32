/* Mutant of exercise 3.1: the chunks are handed out correctly, but every
 * thread adds its chunk's count straight into one shared total, with no
 * lock.  The answer is nearly always right (an update is lost only when
 * two additions overlap), which is exactly why it needs a race detector.
 * must fail: race/no_data_race */
#include "prime_threads.h"

#include "primes.h"

#include <pthread.h>
#include <stdatomic.h>

struct shared {
    _Atomic uint64_t next;
    uint64_t hi;
    long total; /* the race: a plain long, added to by every thread */
};

struct worker {
    pthread_t tid;
    struct shared *s;
    long found;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        uint64_t lo = atomic_fetch_add(&w->s->next, 1000);
        if (lo >= w->s->hi)
            break;
        long n = count_primes(lo, lo + 1000 < w->s->hi ? lo + 1000 : w->s->hi);
        w->found += n;
        w->s->total += n;
    }
    return NULL;
}

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    struct shared s = { .next = lo, .hi = hi > lo ? hi : lo };
    struct worker w[PT_MAX_THREADS];
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){ .s = &s };
        pthread_create(&w[i].tid, NULL, work, &w[i]);
    }
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].tid, NULL);
        per_thread[i] = w[i].found;
    }
    return s.total;
}
