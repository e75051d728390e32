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
    TODO("start the pool's worker processes");
}

int pool_submit(struct pool *p, long arg)
{
    (void)p;
    (void)arg;
    TODO("queue the task and return its id, without waiting for it");
}

int pool_wait(struct pool *p, int id, long *result)
{
    (void)p;
    (void)id;
    (void)result;
    TODO("wait for task id: its result, or its worker's death");
}

void pool_shutdown(struct pool *p)
{
    (void)p;
    TODO("end every worker and release everything the pool holds");
}
