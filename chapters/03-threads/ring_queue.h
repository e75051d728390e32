/* ring_queue.h: the bounded blocking queue the chapter's demos share.
 *
 * A ring of pointers under one mutex, with one condition variable per
 * reason to wait.  It has no "close": the demos stop their consumers
 * with a poison pill, a NULL item that means "no more".  (Exercise 3.3
 * builds a fuller queue that can be closed.) */
#ifndef RING_QUEUE_H
#define RING_QUEUE_H

#include <pthread.h>
#include <stdlib.h>

// [snippet state]
struct ring_queue {
    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t not_full;  /* producers wait here for room */
    pthread_cond_t not_empty; /* consumers wait here for an item */
    void **items;             /* items[(head + i) % capacity], i < count */
    size_t capacity, head, count;
};
// [end state]

static inline int rq_init(struct ring_queue *q, size_t capacity)
{
    q->items = calloc(capacity, sizeof *q->items);
    q->capacity = capacity;
    q->head = q->count = 0;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    return q->items ? 0 : -1;
}

// [snippet put]
static inline void rq_put(struct ring_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity)  /* while, not if: re-check on waking */
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    pthread_cond_signal(&q->not_empty); /* one item: wake one consumer */
    pthread_mutex_unlock(&q->lock);
}
// [end put]

// [snippet get]
static inline void *rq_get(struct ring_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = q->items[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);  /* one slot: wake one producer */
    pthread_mutex_unlock(&q->lock);
    return item;
}
// [end get]

static inline void rq_destroy(struct ring_queue *q)
{
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
}

#endif
