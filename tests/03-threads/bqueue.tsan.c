/* ThreadSanitizer driver for exercise 3.4.  The contract lets every
 * function but bq_destroy() run at once with any other, so the driver
 * overlaps each such pair, not just put with get:
 *   1. producers and consumers through a small queue (put/put, get/get,
 *      put/get), then a close with getters asleep on the empty queue;
 *   2. rounds in which two threads close the queue (close/close) while
 *      producers put and consumers get (close/put, close/get);
 *   3. a close with putters asleep on a full queue.
 * A start gate (a barrier) releases the threads of a round together, and
 * the closers wait until items flow, so the close really lands among the
 * puts and gets.  A race is only seen when it happens: an unlocked read
 * of `closed` is caught by phase 2, never by a close after the joins. */
#include "bqueue.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum { THREADS = 3, EACH = 2000, ROUNDS = 12 };

static struct bqueue *q;
static pthread_barrier_t gate;
static long moved; /* items taken in this round; atomics only */

static void nap_us(long us)
{
    struct timespec ts = { 0, us * 1000 };
    nanosleep(&ts, NULL);
}

/* ---- phase 1: steady traffic, then a close ------------------------------ */

static void *produce(void *arg)
{
    uintptr_t base = (uintptr_t)arg * EACH;
    for (uintptr_t i = 1; i <= EACH; i++)
        bq_put(q, (void *)(base + i));
    return NULL;
}

static void *consume(void *arg)
{
    uintptr_t *sum = arg;
    void *p;
    while (bq_get(q, &p) == 0)
        *sum += (uintptr_t)p;
    return NULL;
}

static int steady(void)
{
    pthread_t tp[THREADS], tc[THREADS];
    uintptr_t sums[THREADS] = { 0 }, total = 0, want = 0;
    q = bq_create(4);
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&tc[i], NULL, consume, &sums[i]);
        pthread_create(&tp[i], NULL, produce, (void *)(uintptr_t)i);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(tp[i], NULL);
    nap_us(20000); /* consumers drain, then wait */
    bq_close(q);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tc[i], NULL);
        total += sums[i];
    }
    bq_destroy(q);
    for (uintptr_t v = 1; v <= (uintptr_t)THREADS * EACH; v++)
        want += v;
    if (total != want) {
        printf("the consumers received items adding up to %lu, not %lu\n",
               (unsigned long)total, (unsigned long)want);
        return 1;
    }
    return 0;
}

/* ---- phase 2: a close among the puts and gets ---------------------------- */

struct tally {
    uintptr_t sum; /* of the items this thread put (accepted) or got */
    int base;
};

static void *put_until_closed(void *arg)
{
    struct tally *t = arg;
    pthread_barrier_wait(&gate);
    for (uintptr_t i = 1;; i++) {
        uintptr_t item = (uintptr_t)t->base * 1000000 + i;
        if (bq_put(q, (void *)item) != 0)
            return NULL; /* closed: the item was not added */
        t->sum += item;
    }
}

static void *get_until_end(void *arg)
{
    struct tally *t = arg;
    void *p;
    pthread_barrier_wait(&gate);
    while (bq_get(q, &p) == 0) {
        t->sum += (uintptr_t)p;
        __atomic_add_fetch(&moved, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void *close_mid_flow(void *arg)
{
    long after = (long)(intptr_t)arg;
    pthread_barrier_wait(&gate);
    while (__atomic_load_n(&moved, __ATOMIC_RELAXED) < after)
        nap_us(50);
    bq_close(q);
    return NULL;
}

/* Every item a put accepted must come out of exactly one get. */
static int close_during_traffic(int round)
{
    pthread_t tp[THREADS], tc[THREADS], tx[2];
    struct tally put[THREADS] = { 0 }, got[THREADS] = { 0 };
    uintptr_t in = 0, out = 0;
    q = bq_create(1 + (size_t)round % 4);
    moved = 0;
    pthread_barrier_init(&gate, NULL, 2 * THREADS + 2);
    for (int i = 0; i < THREADS; i++) {
        put[i].base = i + 1;
        pthread_create(&tp[i], NULL, put_until_closed, &put[i]);
        pthread_create(&tc[i], NULL, get_until_end, &got[i]);
    }
    for (int i = 0; i < 2; i++) /* two closers: closing twice is harmless */
        pthread_create(&tx[i], NULL, close_mid_flow, (void *)(intptr_t)(50 + 40 * round));
    for (int i = 0; i < 2; i++)
        pthread_join(tx[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tp[i], NULL);
        pthread_join(tc[i], NULL);
        in += put[i].sum;
        out += got[i].sum;
    }
    pthread_barrier_destroy(&gate);
    bq_destroy(q);
    if (in != out) {
        printf("closed while %d threads put and %d got: the items accepted add up to "
               "%lu, the items received to %lu\n", THREADS, THREADS,
               (unsigned long)in, (unsigned long)out);
        return 1;
    }
    return 0;
}

/* ---- phase 3: a close with putters asleep on a full queue ---------------- */

static void *put_one_too_many(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&gate);
    return (void *)(intptr_t)bq_put(q, (void *)1);
}

static int close_wakes_putters(void)
{
    pthread_t t[THREADS];
    q = bq_create(1);
    bq_put(q, (void *)7);
    pthread_barrier_init(&gate, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, put_one_too_many, NULL);
    pthread_barrier_wait(&gate);
    nap_us(20000); /* they block: the queue is full */
    bq_close(q);
    int bad = 0;
    for (int i = 0; i < THREADS; i++) {
        void *rc;
        pthread_join(t[i], &rc);
        bad |= (intptr_t)rc != -1;
    }
    void *p = NULL;
    bad |= bq_get(q, &p) != 0 || p != (void *)7;
    pthread_barrier_destroy(&gate);
    bq_destroy(q);
    if (bad)
        printf("a put waiting on a full queue that was then closed should return "
               "-1, and the item already in should still come out\n");
    return bad;
}

int main(void)
{
    if (steady())
        return 1;
    for (int r = 0; r < ROUNDS; r++)
        if (close_during_traffic(r))
            return 1;
    return close_wakes_putters();
}
