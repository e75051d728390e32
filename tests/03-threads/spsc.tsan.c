/* ThreadSanitizer driver for exercise 3.8: message passing through the
 * ring.  The producer fills in a record, then pushes a pointer to it; the
 * consumer pops the pointer and reads the record.  Only the ring's
 * release store and acquire load order those two plain accesses, so a
 * ring with relaxed (or non-atomic) indices is reported as a data race on
 * the record or on the slot, on x86 as anywhere else. */
#include "spsc.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { N = 20000 };

struct record {
    long seq, square;
};

static struct record records[N];
static struct spsc *ring;

static void *producer(void *arg)
{
    (void)arg;
    for (long i = 0; i < N; i++) {
        records[i].seq = i; /* plain writes, published by the push */
        records[i].square = i * i;
        while (spsc_push(ring, &records[i]) != 0)
            sched_yield();
    }
    return NULL;
}

int main(void)
{
    ring = spsc_create(8);
    if (!ring) {
        printf("spsc_create(8) returned NULL\n");
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, producer, NULL);
    long bad = 0;
    for (long i = 0; i < N;) {
        void *p;
        if (spsc_pop(ring, &p) != 0) {
            sched_yield();
            continue;
        }
        const struct record *r = p; /* plain reads of the producer's writes */
        bad += r != &records[i] || r->seq != i || r->square != i * i;
        i++;
    }
    pthread_join(t, NULL);
    spsc_destroy(ring);
    if (bad) {
        printf("%ld of %d messages arrived wrong or out of order\n", bad, N);
        return 1;
    }
    return 0;
}
