/* ThreadSanitizer driver for exercise 3.7: threads share three permits
 * with csem_wait(), csem_trywait() and csem_post(), and each one that
 * holds a permit updates a plain counter of its own slot.  A count read
 * or changed without the mutex is reported as a data race.  A start gate
 * releases the threads together, so the calls really overlap. */
#include "csem.h"

#include <pthread.h>
#include <stdio.h>

enum { THREADS = 4, EACH = 2000, PERMITS = 3 };

static struct csem *sem;
static pthread_barrier_t gate;

static void *user(void *arg)
{
    long *mine = arg;
    pthread_barrier_wait(&gate);
    for (int i = 0; i < EACH; i++) {
        if (i % 3 == 2) {
            if (csem_trywait(sem) != 0)
                continue;
        } else {
            csem_wait(sem);
        }
        (*mine)++;
        csem_post(sem);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    long uses[THREADS] = { 0 };
    sem = csem_create(PERMITS);
    pthread_barrier_init(&gate, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, user, &uses[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&gate);
    int left = 0;
    while (left <= PERMITS && csem_trywait(sem) == 0)
        left++;
    csem_destroy(sem);
    if (left != PERMITS) {
        printf("%d permits were left at the end, not %d\n", left, PERMITS);
        return 1;
    }
    return 0;
}
