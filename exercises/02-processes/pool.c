/* Exercise 2.4: see pool.h for the contract, chapter 2 for the idea.
 * Check your work with: make check EX=02-processes/pool */
#include "pool.h"

#include "io.h"
#include "todo.h"

struct pool {
    int todo; /* replace with what your pool needs */
};

struct pool *pool_create(int nworkers, pool_task fn)
{
    (void)nworkers;
    (void)fn;
    TODO("fork the workers, each with a pipe for tasks and one for results");
}

int pool_submit(struct pool *p, long arg)
{
    (void)p;
    (void)arg;
    TODO("queue the task, hand it to a free worker if there is one, return its id");
}

int pool_wait(struct pool *p, int id, long *result)
{
    (void)p;
    (void)id;
    (void)result;
    TODO("collect results (poll the busy workers' pipes) until task id is "
         "done; end of file on a pipe means that worker died");
}

void pool_shutdown(struct pool *p)
{
    (void)p;
    TODO("close the task pipes, wait for every worker, free everything");
}
