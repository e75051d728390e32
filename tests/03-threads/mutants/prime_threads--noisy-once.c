/* Not a bug: a right answer measured at a bad moment.  Exercise 3.1
 * done as the solution does it, except that in the first call a test
 * makes, thread 2 burns 300 ms of CPU time after it has counted, the way
 * a stall the machine charges to one thread looks to the grader.  The
 * second call is clean.  prime_threads/each_thread_counts_its_own must
 * see a disagreement twice before it fails, so this one passes; a grader
 * that judged once would fail it.  The first call is told from the
 * second by a file named after the test process, which the second
 * removes; one left by a run that stopped early is stale after 60 s.
 * must pass: prime_threads/each_thread_counts_its_own */
#include "prime_threads.h"

#include "primes.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { CHUNK = 2000, NOISY = 2 };

struct range {
    _Atomic uint64_t next;
    uint64_t hi;
};

struct worker {
    pthread_t tid;
    struct range *range;
    int noisy;
    long found;
};

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

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
    for (double end = thread_seconds() + 0.3; w->noisy && thread_seconds() < end;)
        ;
    w->found = mine;
    return NULL;
}

/* Is this the first call of the test process that made it? */
static int first_call(void)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/tmp/prime_threads-noisy-once.%d", (int)getppid());
    if (stat(path, &st) == 0 && st.st_mtime > time(NULL) - 60) {
        unlink(path);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (f)
        fclose(f);
    return 1;
}

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    struct range range = { .next = lo, .hi = hi > lo ? hi : lo };
    struct worker w[PT_MAX_THREADS];
    int noisy = nthreads > NOISY && first_call();
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){ .range = &range, .noisy = noisy && i == NOISY };
        pthread_create(&w[i].tid, NULL, count_chunks, &w[i]);
    }
    long total = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].tid, NULL);
        per_thread[i] = w[i].found;
        total += w[i].found;
    }
    return total;
}
