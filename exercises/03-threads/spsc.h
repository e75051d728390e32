/* spsc.h: exercise 3.8, a single-producer single-consumer ring with C11
 * atomics.
 *
 * When exactly one thread puts items in and exactly one other thread
 * takes them out, a queue needs no lock.  The producer alone writes the
 * tail index and the consumer alone writes the head index; each reads the
 * other's.  What makes it correct is memory ordering: the consumer must
 * not see the new tail before it can see the item stored in the slot
 * (and the producer must not see a slot as free before the consumer has
 * read it).  A store with memory_order_release and the load that reads
 * it with memory_order_acquire give exactly that.  With
 * memory_order_relaxed it may work on x86 and fail elsewhere; the tests
 * run your ring under ThreadSanitizer, which catches it on any machine.
 *
 * No mutex, no condition variable: push and pop never block.  They
 * return -1 on a full or empty ring, and the caller decides how to wait
 * (the tests spin with sched_yield()).  Use <stdatomic.h>. */
#ifndef SPSC_H
#define SPSC_H

#include <stddef.h>

struct spsc; /* yours: define it in spsc.c */

/* A new, empty ring for `capacity` items, a power of two (2, 4, 8, ...);
 * NULL for any other capacity, or if memory runs out. */
struct spsc *spsc_create(size_t capacity);

/* Producer only.  Append `item` (any pointer, NULL included) and return
 * 0, or return -1 at once if the ring is full. */
int spsc_push(struct spsc *r, void *item);

/* Consumer only.  Take the oldest item into *item and return 0, or return
 * -1 at once (leaving *item alone) if the ring is empty. */
int spsc_pop(struct spsc *r, void **item);

/* Free the ring; neither thread may use it any more. */
void spsc_destroy(struct spsc *r);

/* One thread may call spsc_push() while another calls spsc_pop(), at the
 * same time; two pushers, or two poppers, are not allowed. */

#endif
