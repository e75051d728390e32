/* Exercise 3.5: see pool.h for the contract, chapter 3 for the idea.
 * Check your work with: make check EX=03-threads/pool */
#include "pool.h"

#include "todo.h"

#include <pthread.h>
#include <stdlib.h>

struct pool {
    int todo; /* workers, a queue of tasks, a lock, conditions, counts... */
};

struct pool *pool_create(int nthreads, size_t queue_capacity)
{
    (void)nthreads;
    (void)queue_capacity;
    TODO("allocate the pool and its queue, then start the workers");
}

int pool_submit(struct pool *p, pool_task fn, void *arg)
{
    (void)p;
    (void)fn;
    (void)arg;
    TODO("wait for room, queue the task, count it as unfinished, wake a worker");
}

void pool_wait(struct pool *p)
{
    (void)p;
    TODO("sleep until no task is queued or running");
}

size_t pool_shutdown(struct pool *p, enum pool_stop how)
{
    (void)p;
    (void)how;
    TODO("stop accepting tasks, drain or drop the queue, wake and join the "
         "workers, free everything");
}
