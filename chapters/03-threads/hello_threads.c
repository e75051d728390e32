/* hello_threads.c: the whole pthread life cycle.  Start threads with an
 * argument each, let them work, join them, and collect their results:
 * once through a struct the thread fills in, once through the value the
 * thread function returns. */
#include "primes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// [snippet args]
struct job {
    uint64_t lo, hi; /* in: the range to count */
    long count;      /* out: written by the thread, read after the join */
};

static void *count_range(void *arg)
{
    struct job *j = arg;
    j->count = count_primes(j->lo, j->hi);
    return NULL;
}
// [end args]

// [snippet retval]
/* The other way out: return a pointer.  It must outlive the thread, so it
 * points to the heap (never to the thread's own stack, which is gone
 * once the thread has finished). */
static void *largest_prime_below(void *arg)
{
    uint64_t n = *(uint64_t *)arg;
    uint64_t *found = malloc(sizeof *found);
    if (found)
        for (*found = n - 1; *found > 1 && !is_prime(*found); --*found)
            ;
    return found;
}
// [end retval]

int main(void)
{
    // [snippet create_join]
    enum { THREADS = 4 };
    pthread_t tid[THREADS];
    struct job jobs[THREADS]; /* one per thread: nothing shared */
    int started = 0;
    for (; started < THREADS; started++) {
        int i = started;
        jobs[i] = (struct job){ .lo = i * 250000u, .hi = (i + 1) * 250000u };
        int err = pthread_create(&tid[i], NULL, count_range, &jobs[i]);
        if (err) { /* pthread functions return the error, not -1 */
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            break; /* tid[i] was never set: join only those started */
        }
    }
    long total = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL); /* wait; after this, jobs[i] is final */
        printf("thread %d counted %ld primes in [%lu, %lu)\n", i,
               jobs[i].count, (unsigned long)jobs[i].lo,
               (unsigned long)jobs[i].hi);
        total += jobs[i].count;
    }
    if (started < THREADS)
        return 1;
    printf("%ld primes below 1,000,000\n", total);
    // [end create_join]

    // [snippet join_value]
    pthread_t t;
    uint64_t limit = 1000000;
    void *result;
    if (pthread_create(&t, NULL, largest_prime_below, &limit) != 0)
        return 1; /* t is unset: there is nothing to join */
    pthread_join(t, &result); /* receives what the thread returned */
    if (result)
        printf("largest prime below %lu: %lu\n", (unsigned long)limit,
               (unsigned long)*(uint64_t *)result);
    free(result);
    // [end join_value]
    return 0;
}
