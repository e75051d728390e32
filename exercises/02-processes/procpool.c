/* Exercise 2.4: see procpool.h for the contract, chapter 2 for the idea.
 * Check your work with: make check EX=02-processes/procpool */
#include "procpool.h"

#include "io.h"
#include "todo.h"

struct procpool {
    int todo; /* replace with what your pool needs */
};

struct procpool *procpool_create(int nworkers, procpool_task fn)
{
    (void)nworkers;
    (void)fn;
    TODO("start the pool's worker processes");
}

int procpool_submit(struct procpool *p, long arg)
{
    (void)p;
    (void)arg;
    TODO("queue the task and return its id, without waiting for it");
}

int procpool_wait(struct procpool *p, int id, long *result)
{
    (void)p;
    (void)id;
    (void)result;
    TODO("wait for task id: its result, or its worker's death");
}

void procpool_shutdown(struct procpool *p)
{
    (void)p;
    TODO("end every worker and release everything the pool holds");
}
