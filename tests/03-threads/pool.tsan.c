/* ThreadSanitizer driver for exercise 3.5: many small tasks, a wait, more
 * tasks, a draining shutdown; then a cancelling one. */
#include "pool.h"

#include <stdio.h>

enum { TASKS = 2000 };

static long hits[TASKS]; /* each task writes only its own slot */

static void task(void *arg)
{
    (*(long *)arg)++;
}

int main(void)
{
    struct pool *p = pool_create(4, 8);
    for (int i = 0; i < TASKS; i++)
        pool_submit(p, task, &hits[i]);
    pool_wait(p);
    for (int i = 0; i < TASKS; i++) /* the wait orders the tasks' writes */
        if (hits[i] != 1) {
            printf("after pool_wait(), task %d had run %ld times\n", i, hits[i]);
            return 1;
        }
    for (int i = 0; i < TASKS / 4; i++)
        pool_submit(p, task, &hits[i]);
    pool_shutdown(p, POOL_DRAIN);
    for (int i = 0; i < TASKS / 4; i++)
        if (hits[i] != 2) {
            printf("after pool_shutdown(POOL_DRAIN), task %d had run %ld "
                   "times, not 2\n", i, hits[i]);
            return 1;
        }
    p = pool_create(2, 64);
    for (int i = 0; i < 50; i++)
        pool_submit(p, task, &hits[TASKS / 2 + i]);
    size_t dropped = pool_shutdown(p, POOL_CANCEL);
    long ran = 0;
    for (int i = 0; i < 50; i++)
        ran += hits[TASKS / 2 + i] - 1;
    if (ran + (long)dropped != 50) {
        printf("pool_shutdown(POOL_CANCEL): %ld tasks ran and %zu were "
               "dropped, out of 50\n", ran, dropped);
        return 1;
    }
    return 0;
}
