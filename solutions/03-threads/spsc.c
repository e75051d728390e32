/* Reference solution to exercise 3.8: a ring whose two indices only grow
 * (slot = index & mask), so full is tail - head == capacity and empty is
 * tail == head, with no slot wasted.  Each index has one writer.  The
 * writer publishes it with a release store, and the other side reads it
 * with an acquire load: everything the writer did before the store (the
 * slot written, or read) happens before everything the reader does after
 * the load. */
#include "spsc.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>

// [snippet state]
struct spsc {
    alignas(64) _Atomic size_t head; /* next to pop: written by the consumer */
    alignas(64) _Atomic size_t tail; /* next to push: written by the producer */
    alignas(64) size_t mask;         /* capacity - 1; read-only */
    void **slots;
};
// [end state]

struct spsc *spsc_create(size_t capacity)
{
    if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        return NULL;
    struct spsc *r = aligned_alloc(64, sizeof *r);
    if (!r || !(r->slots = calloc(capacity, sizeof *r->slots))) {
        free(r);
        return NULL;
    }
    atomic_init(&r->head, 0);
    atomic_init(&r->tail, 0);
    r->mask = capacity - 1;
    return r;
}

// [snippet push]
int spsc_push(struct spsc *r, void *item)
{
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed); /* ours */
    size_t head = atomic_load_explicit(&r->head, memory_order_acquire);
    if (tail - head > r->mask)
        return -1; /* full */
    r->slots[tail & r->mask] = item;
    /* release: the slot's contents are visible before the new tail is */
    atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
    return 0;
}
// [end push]

// [snippet pop]
int spsc_pop(struct spsc *r, void **item)
{
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed); /* ours */
    size_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    if (head == tail)
        return -1; /* empty */
    *item = r->slots[head & r->mask];
    /* release: we have read the slot before the producer may reuse it */
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return 0;
}
// [end pop]

void spsc_destroy(struct spsc *r)
{
    if (r)
        free(r->slots);
    free(r);
}
