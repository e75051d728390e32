/* ThreadSanitizer driver for exercise 3.5.  The contract lets any thread
 * submit, a running task included, while others submit or wait; and
 * threadpool_shutdown() may meet submits from running tasks (they must get -1
 * once it has begun).  So the driver overlaps:
 *   1. submit with submit and with threadpool_wait(): two submitting threads
 *      and a waiter, released together by a start gate;
 *   2. threadpool_shutdown(THREADPOOL_DRAIN) with submits: every task re-submits
 *      itself, so submits are in flight when the shutdown comes;
 *   3. threadpool_shutdown(THREADPOOL_CANCEL) with submits, the same way.
 * (A thread outside the pool may not submit during a shutdown: the pool
 * is freed when threadpool_shutdown() returns, so that call could touch freed
 * memory.  Tasks are joined before the free, which makes theirs safe.) */
#include "threadpool.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum { TASKS = 2000, CHAINS = 12 };

static long hits[TASKS]; /* each task writes only its own slot */
static struct threadpool *p;
static pthread_barrier_t gate;

static void task(void *arg)
{
    (*(long *)arg)++;
}

/* ---- phase 1: submit beside submit and wait ------------------------------ */

static void *submit_half(void *arg)
{
    int first = (int)(intptr_t)arg;
    pthread_barrier_wait(&gate);
    for (int i = first; i < TASKS; i += 2)
        threadpool_submit(p, task, &hits[i]);
    return NULL;
}

static int submit_and_wait(void)
{
    pthread_t t[2];
    p = threadpool_create(4, 8);
    pthread_barrier_init(&gate, NULL, 3);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, submit_half, (void *)(intptr_t)i);
    pthread_barrier_wait(&gate);
    threadpool_wait(p); /* during the submits: it waits for what was in by then */
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    threadpool_wait(p); /* the joins order the submits before this wait */
    pthread_barrier_destroy(&gate);
    for (int i = 0; i < TASKS; i++)
        if (hits[i] != 1) {
            printf("two threads submitted %d tasks while a third called "
                   "threadpool_wait(); after the last threadpool_wait(), task %d "
                   "had run %ld times\n", TASKS, i, hits[i]);
            return 1;
        }
    return 0;
}

/* ---- phases 2 and 3: a shutdown while tasks submit ----------------------- */

static long accepted, ran; /* atomics only */

/* A task that counts itself and submits its successor, until refused. */
static void chain(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&ran, 1, __ATOMIC_RELAXED);
    if (threadpool_submit(p, chain, NULL) == 0)
        __atomic_add_fetch(&accepted, 1, __ATOMIC_RELAXED);
}

static int shutdown_during_submits(enum threadpool_stop how, const char *name)
{
    accepted = ran = 0;
    p = threadpool_create(3, 2 * CHAINS); /* room for every chain: none blocks */
    for (int i = 0; i < CHAINS; i++)
        if (threadpool_submit(p, chain, NULL) == 0)
            __atomic_add_fetch(&accepted, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&ran, __ATOMIC_RELAXED) < 500) { /* submits are flowing */
        struct timespec ts = { 0, 100000 };
        nanosleep(&ts, NULL);
    }
    long dropped = (long)threadpool_shutdown(p, how);
    long in = __atomic_load_n(&accepted, __ATOMIC_RELAXED);
    long done = __atomic_load_n(&ran, __ATOMIC_RELAXED);
    if (done + dropped != in) {
        printf("threadpool_shutdown(%s) while tasks submitted more: %ld submits were "
               "accepted, but %ld tasks ran and %ld were dropped\n", name, in, done,
               dropped);
        return 1;
    }
    return 0;
}

int main(void)
{
    if (submit_and_wait())
        return 1;
    for (int round = 0; round < 4; round++)
        if (shutdown_during_submits(THREADPOOL_DRAIN, "THREADPOOL_DRAIN") ||
            shutdown_during_submits(THREADPOOL_CANCEL, "THREADPOOL_CANCEL"))
            return 1;
    return 0;
}
