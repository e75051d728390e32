/* Reference solution to exercise 3.4: a ring buffer under one mutex, with
 * one condition variable per reason to wait.  Every wait sits in a
 * `while` loop that re-tests its condition: a wake-up is a hint that
 * something changed, not a promise that the thing waited for is true
 * (another thread may have got there first, and POSIX allows spurious
 * wake-ups). */
#include "bqueue.h"

#include <pthread.h>
#include <stdlib.h>

struct bqueue {
    pthread_mutex_t lock;     /* guards everything below */
    pthread_cond_t not_full;  /* putters wait here for room */
    pthread_cond_t not_empty; /* getters wait here for an item */
    size_t capacity, head, count;
    int closed;
    void **items;             /* ring: items[(head + i) % capacity] */
};

struct bqueue *bq_create(size_t capacity)
{
    struct bqueue *q = calloc(1, sizeof *q);
    if (!q || capacity == 0 || !(q->items = calloc(capacity, sizeof(void *)))) {
        free(q);
        return NULL;
    }
    q->capacity = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    return q;
}

// [snippet put]
int bq_put(struct bqueue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == q->capacity && !q->closed)
        pthread_cond_wait(&q->not_full, &q->lock); /* sleeps, unlocked */
    int ok = !q->closed;
    if (ok) {
        q->items[(q->head + q->count) % q->capacity] = item;
        q->count++;
        pthread_cond_signal(&q->not_empty); /* one item: one getter */
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}
// [end put]

int bq_get(struct bqueue *q, void **item)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->lock);
    int ok = q->count > 0; /* closed, but items left: hand them out */
    if (ok) {
        *item = q->items[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return ok ? 0 : -1;
}

void bq_close(struct bqueue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_full); /* everyone: each must see it */
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

void bq_destroy(struct bqueue *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    free(q);
}
