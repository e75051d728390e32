/* primes.c: trial division, deliberately simple and deliberately uneven. */
#include "primes.h"

#include <pthread.h>
#include <stdatomic.h>

// [snippet is_prime]
bool is_prime(uint64_t n)
{
    if (n < 2)
        return false;
    if (n % 2 == 0)
        return n == 2;
    for (uint64_t d = 3; d * d <= n; d += 2)
        if (n % d == 0)
            return false;
    return true;
}
// [end is_prime]

long count_primes(uint64_t lo, uint64_t hi)
{
    long count = 0;
    for (uint64_t n = lo; n < hi; n++)
        count += is_prime(n);
    return count;
}

struct shared_range {
    _Atomic uint64_t next; /* first number nobody has claimed yet */
    uint64_t hi, chunk;
    _Atomic long total;
};

static void *chunk_worker(void *arg)
{
    struct shared_range *r = arg;
    long mine = 0; /* private: no contention on the hot path */
    for (;;) {
        uint64_t lo = atomic_fetch_add(&r->next, r->chunk);
        if (lo >= r->hi)
            break;
        uint64_t hi = lo + r->chunk < r->hi ? lo + r->chunk : r->hi;
        mine += count_primes(lo, hi);
    }
    atomic_fetch_add(&r->total, mine);
    return NULL;
}

long count_primes_threads(uint64_t lo, uint64_t hi, int nthreads,
                          uint64_t chunk)
{
    enum { MAX_THREADS = 1024 };
    pthread_t tid[MAX_THREADS];
    struct shared_range r = { .next = lo, .hi = hi,
                              .chunk = chunk ? chunk : 10000 };
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > MAX_THREADS)
        nthreads = MAX_THREADS;
    int started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&tid[started], NULL, chunk_worker, &r) != 0)
            break;
    if (started == 0)
        chunk_worker(&r); /* no thread could start: do it ourselves */
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    return r.total;
}
