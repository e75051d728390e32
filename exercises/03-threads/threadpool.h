/* threadpool.h: exercise 3.5, a thread pool.
 *
 * Starting a thread costs tens of microseconds (chapter 3 measures it):
 * more than many small tasks take to run.  A pool starts its threads
 * once; each takes a task from a queue, runs it and comes back for the
 * next.  The queue is the bounded blocking queue of exercise 3.4 (copy
 * yours into threadpool.c, or build the same thing into the pool), plus
 * a count of the tasks not yet finished, for threadpool_wait().
 *
 * Waiting happens on condition variables, as in exercise 3.4: an idle
 * worker, a submitter facing a full queue and a caller of
 * threadpool_wait() all sleep until there is something to do. */
#ifndef THREADPOOL_H
#define THREADPOOL_H

#include <stddef.h>

struct threadpool; /* yours: define it in threadpool.c */

typedef void (*threadpool_task)(void *arg);

/* A pool of `nthreads` worker threads (>= 1) and a queue that holds up to
 * `queue_capacity` (>= 1) tasks waiting for a worker.  NULL on failure,
 * with nothing left behind. */
struct threadpool *threadpool_create(int nthreads, size_t queue_capacity);

/* Queue fn(arg) to run on one of the workers.  Blocks while the queue is
 * full (it never holds more than queue_capacity waiting tasks; the tests
 * fill it).  Returns 0, or -1 once threadpool_shutdown() has begun (the
 * task is then not queued).  Any thread may submit, a running task
 * included, and a task blocks like any caller: if every worker is inside
 * such a submit while the queue is full, nothing can make room and the
 * pool deadlocks.  That is the caller's mistake to avoid, not the pool's
 * to detect (the tests never do it): give the queue room for what tasks
 * submit. */
int threadpool_submit(struct threadpool *p, threadpool_task fn, void *arg);

/* Block until every task submitted so far has finished running: none
 * waiting in the queue and none running.  The pool stays open, so more
 * tasks may be submitted afterwards.  Not from inside a task. */
void threadpool_wait(struct threadpool *p);

enum threadpool_stop {
    THREADPOOL_DRAIN,  /* every task already queued still runs */
    THREADPOOL_CANCEL, /* tasks still waiting in the queue are dropped unrun */
};

/* Stop the pool and free it.  From the moment it is called,
 * threadpool_submit() returns -1.  Tasks already running always finish.
 * With THREADPOOL_DRAIN the queued tasks run too, and the result is 0;
 * with THREADPOOL_CANCEL they are dropped without running, and the result
 * is how many were dropped.
 * Either way every worker has been joined and everything freed when it
 * returns, so p must not be used again.  Not from inside a task. */
size_t threadpool_shutdown(struct threadpool *p, enum threadpool_stop how);

#endif
