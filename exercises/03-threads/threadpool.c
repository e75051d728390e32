/* Exercise 3.5: see threadpool.h for the contract, chapter 3 for the idea.
 * Check your work with: make check EX=03-threads/threadpool */
#include "threadpool.h"

#include "todo.h"

#include <pthread.h>
#include <stdlib.h>

struct threadpool {
    int todo; /* workers, a queue of tasks, a lock, conditions, counts... */
};

struct threadpool *threadpool_create(int nthreads, size_t queue_capacity)
{
    (void)nthreads;
    (void)queue_capacity;
    TODO("allocate the pool and its queue, then start the workers");
}

int threadpool_submit(struct threadpool *p, threadpool_task fn, void *arg)
{
    (void)p;
    (void)fn;
    (void)arg;
    TODO("wait for room, queue the task, count it as unfinished, wake a worker");
}

void threadpool_wait(struct threadpool *p)
{
    (void)p;
    TODO("sleep until no task is queued or running");
}

size_t threadpool_shutdown(struct threadpool *p, enum threadpool_stop how)
{
    (void)p;
    (void)how;
    TODO("stop accepting tasks, drain or drop the queue, wake and join the "
         "workers, free everything");
}
