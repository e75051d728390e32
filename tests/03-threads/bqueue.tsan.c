/* ThreadSanitizer driver for exercise 3.4: producers and consumers through
 * a small queue, then a close with getters waiting. */
#include "bqueue.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum { THREADS = 3, EACH = 2000 };

static struct bqueue *q;

static void *produce(void *arg)
{
    uintptr_t base = (uintptr_t)arg * EACH;
    for (uintptr_t i = 1; i <= EACH; i++)
        bq_put(q, (void *)(base + i));
    return NULL;
}

static void *consume(void *arg)
{
    uintptr_t *sum = arg;
    void *p;
    while (bq_get(q, &p) == 0)
        *sum += (uintptr_t)p;
    return NULL;
}

int main(void)
{
    pthread_t tp[THREADS], tc[THREADS];
    uintptr_t sums[THREADS] = { 0 }, total = 0, want = 0;
    q = bq_create(4);
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&tc[i], NULL, consume, &sums[i]);
        pthread_create(&tp[i], NULL, produce, (void *)(uintptr_t)i);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(tp[i], NULL);
    struct timespec ts = { 0, 20000000 }; /* consumers drain, then wait */
    nanosleep(&ts, NULL);
    bq_close(q);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tc[i], NULL);
        total += sums[i];
    }
    bq_destroy(q);
    for (uintptr_t v = 1; v <= (uintptr_t)THREADS * EACH; v++)
        want += v;
    if (total != want) {
        printf("the consumers received items adding up to %lu, not %lu\n",
               (unsigned long)total, (unsigned long)want);
        return 1;
    }
    return 0;
}
