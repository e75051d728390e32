/* Exercise 3.3: see reduction.h for the contract and the two bugs.
 * Check your work with: make check EX=03-threads/reduction
 *
 * Below is the colleague's version.  Read it, measure it if you like,
 * fix it, and delete the TODO() line. */
#include "reduction.h"

#include "mix.h"
#include "todo.h"

#include <pthread.h>

static uint64_t partial[RD_MAX_THREADS]; /* one running sum per thread */
static uint64_t total;

struct share {
    uint64_t lo, hi;
    int id;
};

static void *add_share(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        partial[s->id] += mix64(i);
    total += partial[s->id];
    return NULL;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    TODO("fix the data race and the false sharing below, then delete this line");
    pthread_t tid[RD_MAX_THREADS];
    struct share shares[RD_MAX_THREADS];
    total = 0;
    for (int i = 0; i < nthreads; i++) {
        shares[i] = (struct share){ n / nthreads * i, n / nthreads * (i + 1), i };
        if (i == nthreads - 1)
            shares[i].hi = n; /* the last share takes the remainder */
        partial[i] = 0;
        pthread_create(&tid[i], NULL, add_share, &shares[i]);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    return total;
}
