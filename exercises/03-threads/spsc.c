/* Exercise 3.8: see spsc.h for the contract, chapter 3 for the idea.
 * Check your work with: make check EX=03-threads/spsc */
#include "spsc.h"

#include "todo.h"

#include <stdatomic.h>
#include <stdlib.h>

struct spsc {
    int todo; /* the slots, a mask, and two _Atomic size_t indices... */
};

struct spsc *spsc_create(size_t capacity)
{
    (void)capacity;
    TODO("check the capacity is a power of two; allocate the ring and slots");
}

int spsc_push(struct spsc *r, void *item)
{
    (void)r;
    (void)item;
    TODO("full if tail - head == capacity; store the item, then release the tail");
}

int spsc_pop(struct spsc *r, void **item)
{
    (void)r;
    (void)item;
    TODO("empty if head == tail (tail read with acquire); take it, release the head");
}

void spsc_destroy(struct spsc *r)
{
    (void)r;
    TODO("free the slots and the ring");
}
