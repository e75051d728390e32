/* Mutant of exercise 3.8: correct, but a mutex guards the ring, so each
 * push and pop takes a lock that the other thread wants at the same
 * moment; the contract asks for a lock-free ring.
 * must fail: spsc/takes_no_lock */
#include "spsc.h"

#include <pthread.h>
#include <stdlib.h>

struct spsc {
    pthread_mutex_t lock; /* guards everything below */
    size_t head, count, capacity;
    void **slots;
};

struct spsc *spsc_create(size_t capacity)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return NULL;
    struct spsc *r = calloc(1, sizeof *r);
    if (!r || !(r->slots = calloc(capacity, sizeof *r->slots))) {
        free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->capacity = capacity;
    return r;
}

int spsc_push(struct spsc *r, void *item)
{
    pthread_mutex_lock(&r->lock);
    int ok = r->count < r->capacity;
    if (ok)
        r->slots[(r->head + r->count++) % r->capacity] = item;
    pthread_mutex_unlock(&r->lock);
    return ok ? 0 : -1;
}

int spsc_pop(struct spsc *r, void **item)
{
    pthread_mutex_lock(&r->lock);
    int ok = r->count > 0;
    if (ok) {
        *item = r->slots[r->head];
        r->head = (r->head + 1) % r->capacity;
        r->count--;
    }
    pthread_mutex_unlock(&r->lock);
    return ok ? 0 : -1;
}

void spsc_destroy(struct spsc *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r->slots);
    free(r);
}
