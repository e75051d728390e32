/* Exercise 3.4: see bqueue.h for the contract, chapter 3 for the idea.
 * Check your work with: make check EX=03-threads/bqueue */
#include "bqueue.h"

#include "todo.h"

#include <pthread.h>
#include <stdlib.h>

struct bqueue {
    int todo; /* a ring of void *, its indices, a mutex, two conditions... */
};

struct bqueue *bq_create(size_t capacity)
{
    (void)capacity;
    TODO("allocate the queue, its ring of items, its mutex and conditions");
}

int bq_put(struct bqueue *q, void *item)
{
    (void)q;
    (void)item;
    TODO("lock; while full and open, wait for room; add; signal a getter");
}

int bq_get(struct bqueue *q, void **item)
{
    (void)q;
    (void)item;
    TODO("lock; while empty and open, wait for an item; take; signal a putter");
}

void bq_close(struct bqueue *q)
{
    (void)q;
    TODO("mark the queue closed and wake every waiting thread");
}

void bq_destroy(struct bqueue *q)
{
    (void)q;
    TODO("destroy the conditions and the mutex, free the memory");
}
