/* Reference solution to exercise 3.5: a ring of tasks under one mutex,
 * with three conditions: "a task is queued" (workers sleep on it), "there
 * is room" (submitters) and "all done" (threadpool_wait).  `unfinished` counts
 * the tasks queued or running; the worker that finishes the last one
 * wakes the waiters. */
#include "threadpool.h"

#include <pthread.h>
#include <stdlib.h>

struct task {
    threadpool_task fn;
    void *arg;
};

struct threadpool {
    pthread_mutex_t lock;
    pthread_cond_t queued, room, all_done;
    struct task *ring;
    size_t capacity, head, count; /* tasks waiting in the ring */
    size_t unfinished;            /* waiting + running */
    int stopping;
    int nthreads;
    pthread_t *workers;
};

// [snippet worker]
static void *worker(void *arg)
{
    struct threadpool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->count == 0 && !p->stopping)
            pthread_cond_wait(&p->queued, &p->lock);
        if (p->count == 0)
            break; /* stopping, and nothing left to run */
        struct task t = p->ring[p->head];
        p->head = (p->head + 1) % p->capacity;
        p->count--;
        pthread_cond_signal(&p->room);
        pthread_mutex_unlock(&p->lock);
        t.fn(t.arg); /* run it unlocked: tasks run in parallel */
        pthread_mutex_lock(&p->lock);
        if (--p->unfinished == 0)
            pthread_cond_broadcast(&p->all_done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}
// [end worker]

static void destroy(struct threadpool *p)
{
    pthread_cond_destroy(&p->queued);
    pthread_cond_destroy(&p->room);
    pthread_cond_destroy(&p->all_done);
    pthread_mutex_destroy(&p->lock);
    free(p->workers);
    free(p->ring);
    free(p);
}

static size_t stop_and_join(struct threadpool *p, enum threadpool_stop how)
{
    size_t dropped = 0;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    if (how == THREADPOOL_CANCEL) {
        dropped = p->count;
        p->count = 0;
        p->unfinished -= dropped;
        if (p->unfinished == 0)
            pthread_cond_broadcast(&p->all_done);
    }
    pthread_cond_broadcast(&p->queued); /* every idle worker must see it */
    pthread_cond_broadcast(&p->room);   /* and every blocked submitter */
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->workers[i], NULL);
    return dropped;
}

struct threadpool *threadpool_create(int nthreads, size_t queue_capacity)
{
    if (nthreads < 1 || queue_capacity < 1)
        return NULL;
    struct threadpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ring = calloc(queue_capacity, sizeof *p->ring);
    p->workers = calloc((size_t)nthreads, sizeof *p->workers);
    p->capacity = queue_capacity;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->queued, NULL);
    pthread_cond_init(&p->room, NULL);
    pthread_cond_init(&p->all_done, NULL);
    if (!p->ring || !p->workers) {
        destroy(p);
        return NULL;
    }
    for (; p->nthreads < nthreads; p->nthreads++)
        if (pthread_create(&p->workers[p->nthreads], NULL, worker, p) != 0) {
            stop_and_join(p, THREADPOOL_CANCEL); /* the ones that did start */
            destroy(p);
            return NULL;
        }
    return p;
}

int threadpool_submit(struct threadpool *p, threadpool_task fn, void *arg)
{
    pthread_mutex_lock(&p->lock);
    while (p->count == p->capacity && !p->stopping)
        pthread_cond_wait(&p->room, &p->lock);
    int ok = !p->stopping;
    if (ok) {
        p->ring[(p->head + p->count) % p->capacity] = (struct task){ fn, arg };
        p->count++;
        p->unfinished++;
        pthread_cond_signal(&p->queued);
    }
    pthread_mutex_unlock(&p->lock);
    return ok ? 0 : -1;
}

void threadpool_wait(struct threadpool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->unfinished > 0)
        pthread_cond_wait(&p->all_done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

size_t threadpool_shutdown(struct threadpool *p, enum threadpool_stop how)
{
    size_t dropped = stop_and_join(p, how);
    destroy(p);
    return dropped;
}
