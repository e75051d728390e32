/* procpool.h: exercise 2.4, a pool of pre-forked worker processes.
 *
 * Forking a process per task costs a fork() and a wait() every time.  A
 * pool forks its workers once, up front, and then feeds them tasks; each
 * worker runs one task at a time and sends back its result.  Because the
 * workers are separate processes, a task that crashes takes down only its
 * worker: the pool notices (the worker's pipe reaches end of file, and
 * waitpid() says how it died), reports that task as failed, forks a
 * replacement and carries on.  Nothing hangs and nothing is left behind. */
#ifndef PROCPOOL_H
#define PROCPOOL_H

/* A task: runs in a worker process, gets its argument, returns a result. */
typedef long (*procpool_task)(long arg);

struct procpool; /* yours to define, in procpool.c */

/* Fork nworkers worker processes (1 <= nworkers <= 64) that will run
 * `fn`.  Returns the pool, or NULL if it could not be set up (then nothing
 * may be left behind).  The pool calls fork() exactly nworkers times here,
 * and once more for each worker that dies (its replacement), never per
 * task: the tests cap fork() at nworkers plus the number of tasks that
 * crash, and a fork beyond that fails.
 *
 * Several pools may live in one process at once (the tests run two).  A
 * worker forked by a later pool inherits copies of the descriptors an
 * earlier pool holds, including the write ends of its task pipes. */
struct procpool *procpool_create(int nworkers, procpool_task fn);

/* Queue fn(arg) to run in a worker, and return at once (well before the
 * task finishes) with the task's id: 0 for the first task submitted to
 * this pool, 1 for the next, and so on.  Tasks start in the order they
 * were submitted (first in, first out), as soon as a worker is free; up
 * to nworkers run at the same time.  A pool must hold at least 10,000
 * tasks submitted before any is waited for (the tests submit 10,000).
 * Returns -1 on failure (out of memory). */
int procpool_submit(struct procpool *p, long arg);

/* Wait until task `id` has finished.  If it returned, store its result in
 * *result and return 0.  If its worker died first (a crash, a signal, a
 * call to _exit()), return -1: that task failed.  The pool then replaces
 * the dead worker and every other task still runs.  Wait for each id at
 * most once; tasks may be waited for in any order. */
int procpool_wait(struct procpool *p, int id, long *result);

/* End the pool, promptly (within the tests' 3 s), also while another pool
 * exists: closing this pool's task pipes need not give its workers end of
 * file, because a later pool's workers may hold copies of them.  Tasks
 * not yet started are dropped; a task already running may be finished or
 * cut short.  When this returns, every worker has ended and been waited
 * for (no zombie, no child still running), every descriptor is closed and
 * every byte of memory is freed. */
void procpool_shutdown(struct procpool *p);

#endif
