/* Mutant of exercise 4.3: a thread per request, at most max_open at a
 * time (a semaphore).  Correct and fast, but it is not one thread: this
 * exercise is about doing it without them.
 * must fail: fetch_loop/never_more_than_max_open_and_one_thread */
#include "fetch_loop.h"

#include "slow_server.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

struct one {
    int port, *ok;
    const char *line;
    char *reply;
    sem_t *slots;
    pthread_mutex_t *lock;
};

static void *ask(void *arg)
{
    struct one *o = arg;
    o->reply[0] = '\0';
    int good = slow_request(o->port, o->line, o->reply, FETCH_REPLY_MAX) == 0;
    pthread_mutex_lock(o->lock);
    *o->ok += good;
    pthread_mutex_unlock(o->lock);
    sem_post(o->slots);
    return NULL;
}

int fetch_loop(int port, const char *const lines[],
               char replies[][FETCH_REPLY_MAX], int n, int max_open)
{
    if (n <= 0)
        return 0;
    sem_t slots;
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    int ok = 0;
    sem_init(&slots, 0, (unsigned)max_open);
    pthread_t *t = malloc(sizeof *t * (size_t)n);
    struct one *o = malloc(sizeof *o * (size_t)n);
    for (int i = 0; i < n; i++) {
        sem_wait(&slots);
        o[i] = (struct one){ port, &ok, lines[i], replies[i], &slots, &lock };
        pthread_create(&t[i], NULL, ask, &o[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    sem_destroy(&slots);
    free(t);
    free(o);
    return ok;
}
