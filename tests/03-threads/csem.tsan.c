/* ThreadSanitizer driver for exercise 3.7: threads share three permits
 * with csem_wait(), csem_trywait() and csem_post(), and each one that
 * holds a permit updates a plain counter of its own slot.  A count read
 * or changed without the mutex is reported as a data race. */
#include "csem.h"

#include <pthread.h>
#include <stdio.h>

enum { THREADS = 4, EACH = 2000, PERMITS = 3 };

static struct csem *sem;

static void *user(void *arg)
{
    long *mine = arg;
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
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, user, &uses[i]);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
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
