/* prodcons.c: producers and consumers joined by a small bounded queue.
 * Three producers put numbered items; two consumers add them up until
 * each receives a poison pill.  Every item must arrive exactly once, and
 * nobody spins: a thread that cannot go on sleeps on a condition
 * variable. */
#include "ring_queue.h"
#include "timing.h"

#include <stdint.h>
#include <stdio.h>

enum { PRODUCERS = 3, CONSUMERS = 2, CAPACITY = 8 };

static struct ring_queue queue;
static long per_producer;

static void *producer(void *arg)
{
    uintptr_t first = (uintptr_t)arg * (uintptr_t)per_producer + 1;
    for (long i = 0; i < per_producer; i++)
        rq_put(&queue, (void *)(first + (uintptr_t)i)); /* never NULL */
    return NULL;
}

struct consumer {
    pthread_t tid;
    long items;
    uint64_t sum;
};

// [snippet consumer]
static void *consumer(void *arg)
{
    struct consumer *c = arg;
    void *item;
    while ((item = rq_get(&queue)) != NULL) { /* NULL: the poison pill */
        c->items++;
        c->sum += (uintptr_t)item;
    }
    return NULL;
}
// [end consumer]

int main(void)
{
    per_producer = quick_mode() ? 20000 : 100000;
    if (rq_init(&queue, CAPACITY) != 0)
        return 1;
    pthread_t prod[PRODUCERS];
    struct consumer cons[CONSUMERS] = { 0 };
    struct cost c0 = cost_start();
    for (int i = 0; i < CONSUMERS; i++)
        pthread_create(&cons[i].tid, NULL, consumer, &cons[i]);
    for (int i = 0; i < PRODUCERS; i++)
        pthread_create(&prod[i], NULL, producer, (void *)(uintptr_t)i);
    // [snippet shutdown]
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(prod[i], NULL);  /* every real item is in the queue */
    for (int i = 0; i < CONSUMERS; i++)
        rq_put(&queue, NULL);         /* one pill per consumer, after them */
    // [end shutdown]
    long items = 0;
    uint64_t sum = 0, n = (uint64_t)PRODUCERS * per_producer;
    for (int i = 0; i < CONSUMERS; i++) {
        pthread_join(cons[i].tid, NULL);
        printf("consumer %d received %ld items\n", i, cons[i].items);
        items += cons[i].items;
        sum += cons[i].sum;
    }
    struct cost c = cost_since(c0);
    int ok = items == (long)n && sum == n * (n + 1) / 2;
    printf("%ld items through a queue of %d slots in %.3f s (%.2f s of CPU): "
           "%s\n", items, CAPACITY, c.wall, c.user + c.sys,
           ok ? "each arrived exactly once" : "ITEMS LOST OR DUPLICATED");
    rq_destroy(&queue);
    return ok ? 0 : 1;
}
