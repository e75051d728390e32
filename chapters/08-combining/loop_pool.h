/* loop_pool.h: a thread pool that reports back to an event loop.
 *
 * The loop thread hands a job to the pool; a pool thread runs job->work;
 * the finished job goes on a "done" list and the pool rings the loop's
 * doorbell (an el_notify, that is an eventfd); the loop wakes, takes the
 * whole list and calls job->done for each, on its own thread.  So the
 * loop never blocks and never locks for long, and everything the done
 * callbacks touch (connections, buffers, the loop) stays single-threaded.
 *
 * The pool is bounded: lp_submit() refuses a job when `capacity` jobs
 * are already in it (queued, running, or finished but not yet delivered).
 * It never blocks the loop to wait for room; the caller holds back
 * instead (stops reading, stops fetching) and tries again from a done
 * callback.  That is backpressure across the boundary.
 *
 * Header-only, like chapter 3's ring_queue.h: the demos of chapter 8
 * include it. */
#ifndef LOOP_POOL_H
#define LOOP_POOL_H

#include "evloop.h"

#include <pthread.h>
#include <stdlib.h>

// [snippet job]
struct lp_job {
    struct lp_job *next;                          /* the pool's, while inside */
    void (*work)(struct lp_job *job, int worker); /* on a pool thread */
    void (*done)(struct lp_job *job);             /* then on the loop thread */
};

struct lp_pool {
    pthread_mutex_t lock;      /* guards the two lists and `stopping` */
    pthread_cond_t has_work;
    struct lp_job *todo, *todo_tail;   /* FIFO of jobs waiting for a thread */
    struct lp_job *done, *done_tail;   /* FIFO of jobs waiting for the loop */
    int stopping;
    struct el_notify bell;     /* rung when `done` goes from empty to not */
    struct el_loop *loop;
    pthread_t *threads;
    int nthreads;
    size_t in_flight, capacity; /* loop thread only: no lock needed */
    size_t max_in_flight;       /* the most ever in the pool (for the book) */
};
// [end job]

struct lp_arg {
    struct lp_pool *pool;
    int index;
};

// [snippet worker]
static inline void *lp_thread(void *arg)
{
    struct lp_arg a = *(struct lp_arg *)arg;
    struct lp_pool *p = a.pool;
    free(arg);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->todo && !p->stopping)
            pthread_cond_wait(&p->has_work, &p->lock);
        struct lp_job *job = p->todo;
        if (!job)
            break; /* stopping, and nothing left to do */
        p->todo = job->next;
        pthread_mutex_unlock(&p->lock);

        job->work(job, a.index); /* the slow part, outside the lock */

        pthread_mutex_lock(&p->lock);
        job->next = NULL;
        int was_empty = p->done == NULL;
        if (was_empty)
            p->done = job;
        else
            p->done_tail->next = job;
        p->done_tail = job;
        if (was_empty) { /* the loop drains the whole list per ring */
            /* Ring outside the lock, or the loop wakes only to wait for
             * it.  No ring can be lost: it always follows the append. */
            pthread_mutex_unlock(&p->lock);
            el_notify_send(&p->bell);
            pthread_mutex_lock(&p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}
// [end worker]

// [snippet deliver]
/* The doorbell rang: on the loop thread, take every finished job at once
 * and hand each to its done callback. */
static inline void lp_deliver(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)loop, (void)n;
    struct lp_pool *p = data;
    pthread_mutex_lock(&p->lock);
    struct lp_job *job = p->done;
    p->done = p->done_tail = NULL;
    pthread_mutex_unlock(&p->lock);
    while (job) {
        struct lp_job *next = job->next; /* done() may free or reuse job */
        p->in_flight--;
        job->done(job);
        job = next;
    }
}
// [end deliver]

/* Start nthreads threads.  capacity 0 means unbounded.  Returns 0 or -1. */
static inline int lp_start(struct lp_pool *p, struct el_loop *loop, int nthreads,
                           size_t capacity)
{
    *p = (struct lp_pool){ .loop = loop, .capacity = capacity };
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->has_work, NULL);
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    if (!p->threads || el_notify_init(loop, &p->bell, lp_deliver, p) != 0) {
        free(p->threads);
        return -1;
    }
    for (; p->nthreads < nthreads; p->nthreads++) {
        struct lp_arg *a = malloc(sizeof *a);
        if (!a)
            break;
        *a = (struct lp_arg){ p, p->nthreads };
        if (pthread_create(&p->threads[p->nthreads], NULL, lp_thread, a) != 0) {
            free(a);
            break;
        }
    }
    return p->nthreads > 0 ? 0 : -1;
}

// [snippet submit]
/* Loop thread.  0: the job is in.  -1: the pool is full; keep the job
 * and try again once a done callback has made room. */
static inline int lp_submit(struct lp_pool *p, struct lp_job *job)
{
    if (p->capacity && p->in_flight >= p->capacity)
        return -1;
    p->in_flight++;
    if (p->in_flight > p->max_in_flight)
        p->max_in_flight = p->in_flight;
    job->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->todo)
        p->todo_tail->next = job;
    else
        p->todo = job;
    p->todo_tail = job;
    pthread_cond_signal(&p->has_work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}
// [end submit]

static inline int lp_full(const struct lp_pool *p)
{
    return p->capacity && p->in_flight >= p->capacity;
}

/* Loop thread, outside el_run() or from a callback: let the threads
 * finish every job already submitted, join them, deliver what is left,
 * and close the doorbell. */
static inline void lp_stop(struct lp_pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->has_work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    lp_deliver(p->loop, &p->bell, p);
    el_notify_close(p->loop, &p->bell);
    free(p->threads);
    pthread_cond_destroy(&p->has_work);
    pthread_mutex_destroy(&p->lock);
}

#endif
