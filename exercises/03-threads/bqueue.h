/* bqueue.h: exercise 3.4, a bounded blocking queue.
 *
 * The queue that connects producer threads to consumer threads: a FIFO of
 * pointers with room for at most `capacity` of them.  A producer that
 * finds it full waits for room; a consumer that finds it empty waits for
 * an item.  "Waits" means sleeps, on a condition variable: a waiting
 * thread must use no CPU at all, so no spinning, no sched_yield() loops
 * and no sleep-and-retry polling (the tests measure the CPU time and the
 * wake-ups of blocked threads with getrusage()).
 *
 * Closing the queue is how producers say "no more": it wakes everyone who
 * waits, and consumers then take what is left before they see the end. */
#ifndef BQUEUE_H
#define BQUEUE_H

#include <stddef.h>

struct bqueue; /* yours: define it in bqueue.c */

/* A new, open, empty queue for at most `capacity` items (capacity >= 1),
 * or NULL if memory runs out. */
struct bqueue *bq_create(size_t capacity);

/* Append `item` (any pointer, NULL included).  Blocks while the queue is
 * full.  Returns 0 once the item is in, or -1 if the queue is closed, or
 * is closed while this call waits; the item is then not added. */
int bq_put(struct bqueue *q, void *item);

/* Take the oldest item and store it in *item.  Blocks while the queue is
 * empty and open.  Returns 0 with an item, or -1 (leaving *item alone)
 * once the queue is closed and empty. */
int bq_get(struct bqueue *q, void **item);

/* Close the queue: from now on bq_put() fails, and every thread blocked in
 * bq_put() or bq_get() wakes up (getters still receive the items that are
 * left).  Closing twice is harmless. */
void bq_close(struct bqueue *q);

/* Free the queue.  No thread may be using it any more.  Items still in
 * it are the caller's: the queue frees only its own memory, never an
 * item (an item is any pointer; the queue cannot know how to free it). */
void bq_destroy(struct bqueue *q);

/* Every function may be called from any number of threads at once, except
 * bq_destroy().  Items come out in the order they went in. */

#endif
