/* procpool.c: a loop with a pool of worker processes, and a bug.
 *
 * Twenty prime-counting tasks go to two worker processes over
 * socketpairs (proc_pool.h); tasks 6 and 13 dereference NULL.  Each crash
 * kills one worker: the loop sees end of file on its socket, reaps it,
 * reports the task, forks a replacement and carries on with the rest.
 * Then the same tasks run on a thread pool, in a child process so that
 * the demo survives to tell what happened: one crashing task takes every
 * thread, and the whole server, with it. */
#define _GNU_SOURCE
#include "loop_pool.h"
#include "proc_pool.h"
#include "timing.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

enum { TASKS = 20, CHUNK = 50000 };

static struct pp_task tasks[TASKS];
static int next_task, finished;
static long total;

static void feed(struct pp_pool *p)
{
    while (next_task < TASKS && pp_submit(p, &tasks[next_task]) == 0)
        next_task++;
    if (finished == TASKS)
        el_stop(p->loop);
}

// [snippet callbacks]
static void task_done(struct pp_pool *p, const struct pp_task *t, long count)
{
    total += count;
    finished++;
    printf("  task %2ld: %ld primes\n", t->id, count);
    feed(p);
}

static void task_failed(struct pp_pool *p, const struct pp_task *t, int status)
{
    finished++;
    printf("  task %2ld: killed its worker (%s); a new worker took its place\n",
           t->id, WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited");
    feed(p);
}
// [end callbacks]

/* The same tasks on a thread pool: a task is a job. */
struct tjob {
    struct lp_job job;
    struct pp_task t;
};

static void tjob_work(struct lp_job *job, int worker)
{
    (void)worker;
    struct tjob *j = (struct tjob *)job;
    if (j->t.crash)
        *(volatile int *)NULL = 1;
    j->t.lo = (uint64_t)count_primes(j->t.lo, j->t.hi);
}

static struct el_loop *thread_loop;

static void tjob_done(struct lp_job *job)
{
    (void)job;
    if (++finished == TASKS)
        el_stop(thread_loop);
}

static int thread_version(void)
{
    struct el_loop *loop = thread_loop = el_loop_new();
    struct lp_pool pool;
    static struct tjob jobs[TASKS];
    lp_start(&pool, loop, 2, 0);
    for (int i = 0; i < TASKS; i++) {
        jobs[i] = (struct tjob){ .job = { .work = tjob_work, .done = tjob_done },
                                 .t = tasks[i] };
        lp_submit(&pool, &jobs[i].job);
    }
    el_run(loop); /* never returns: task 6 kills the process first */
    return 0;
}

int main(void)
{
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* no core files, please */
    for (int i = 0; i < TASKS; i++)
        tasks[i] = (struct pp_task){ .id = i, .lo = (uint64_t)i * CHUNK,
                                     .hi = (uint64_t)(i + 1) * CHUNK,
                                     .crash = i == 6 || i == 13 };
    struct el_loop *loop = el_loop_new();
    struct pp_pool pool;
    if (!loop || pp_start(&pool, loop, 2, task_done, task_failed, NULL) != 0) {
        perror("pool");
        return 1;
    }
    printf("%d tasks on 2 worker processes; tasks 6 and 13 crash:\n", TASKS);
    feed(&pool);
    el_run(loop);
    printf("process pool: %d tasks finished or failed, %ld primes in the others, "
           "%ld workers replaced; the loop never stopped\n", finished, total,
           pool.respawns);
    pp_stop(&pool);
    el_loop_free(loop);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        finished = 0;
        _exit(thread_version());
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
        printf("thread pool, same tasks: the whole process died (%s)\n",
               strsignal(WTERMSIG(status)));
    else
        printf("thread pool, same tasks: the process survived (unexpected)\n");
    return !WIFSIGNALED(status);
}
