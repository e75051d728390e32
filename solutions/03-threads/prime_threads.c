/* Reference solution to exercise 3.1: threads pull chunks of the range
 * from a shared atomic counter, count privately and report once. */
#include "prime_threads.h"

#include "primes.h"

#include <pthread.h>
#include <stdatomic.h>

enum { CHUNK = 2000 }; /* small enough to balance, large enough to be cheap */

struct range {
    _Atomic uint64_t next; /* the first number nobody has claimed */
    uint64_t hi;
};

struct worker {
    pthread_t tid;
    struct range *range;
    long found; /* written by this thread only, read after the join */
};

static void *count_chunks(void *arg)
{
    struct worker *w = arg;
    long mine = 0;
    for (;;) {
        uint64_t lo = atomic_fetch_add(&w->range->next, CHUNK);
        if (lo >= w->range->hi)
            break;
        uint64_t hi = w->range->hi - lo > CHUNK ? lo + CHUNK : w->range->hi;
        mine += count_primes(lo, hi);
    }
    w->found = mine;
    return NULL;
}

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    struct range range = { .next = lo, .hi = hi > lo ? hi : lo };
    struct worker w[PT_MAX_THREADS];
    int started = 0;
    for (; started < nthreads && started < PT_MAX_THREADS; started++) {
        w[started] = (struct worker){ .range = &range };
        if (pthread_create(&w[started].tid, NULL, count_chunks, &w[started]))
            break;
    }
    long total = 0;
    for (int i = 0; i < nthreads && i < PT_MAX_THREADS; i++) {
        if (i < started)
            pthread_join(w[i].tid, NULL); /* the join orders w[i].found */
        else
            w[i].found = 0;
        per_thread[i] = w[i].found;
        total += w[i].found;
    }
    if (started < nthreads) { /* out of threads: finish the rest here */
        struct worker self = { .range = &range };
        count_chunks(&self);
        per_thread[0] += self.found;
        total += self.found;
    }
    return total;
}
