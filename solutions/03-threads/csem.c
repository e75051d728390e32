/* Reference solution to exercise 3.7: a count under a mutex, and one
 * condition variable for "a permit may be free".  Every change to the
 * count happens with the mutex held, and so does every test of it before
 * a wait: a post can then never fall between a waiter's test and its
 * sleep, which is how wake-ups get lost. */
#include "csem.h"

#include <pthread.h>
#include <stdlib.h>

struct csem {
    pthread_mutex_t lock; /* guards permits */
    pthread_cond_t freed; /* waiters sleep here until a post */
    unsigned permits;
};

struct csem *csem_create(unsigned permits)
{
    struct csem *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->freed, NULL);
    s->permits = permits;
    return s;
}

// [snippet wait]
void csem_wait(struct csem *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->permits == 0) /* while: another thread may take it first */
        pthread_cond_wait(&s->freed, &s->lock);
    s->permits--;
    pthread_mutex_unlock(&s->lock);
}
// [end wait]

int csem_trywait(struct csem *s)
{
    pthread_mutex_lock(&s->lock);
    int ok = s->permits > 0;
    if (ok)
        s->permits--;
    pthread_mutex_unlock(&s->lock);
    return ok ? 0 : -1;
}

// [snippet post]
void csem_post(struct csem *s)
{
    pthread_mutex_lock(&s->lock);
    s->permits++;
    pthread_cond_signal(&s->freed); /* one permit: one waiter */
    pthread_mutex_unlock(&s->lock);
}
// [end post]

void csem_destroy(struct csem *s)
{
    if (!s)
        return;
    pthread_cond_destroy(&s->freed);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
