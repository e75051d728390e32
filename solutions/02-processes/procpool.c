/* Reference solution to exercise 2.4.
 *
 * Each worker has two pipes: tasks go down one (an 8-byte argument), the
 * result comes back up the other (an 8-byte result).  The parent gives a
 * worker its next task only once it has read the previous result, so it
 * always knows which task each worker is running.  When a result pipe
 * reaches end of file instead, that worker died: its task failed, and a
 * new worker takes its place. */
#include "procpool.h"

#include "io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_WORKERS = 64 };
enum state { QUEUED, RUNNING, DONE, FAILED, COLLECTED };

struct task {
    long arg, result;
    enum state state;
};

struct worker {
    pid_t pid;    /* 0: this slot has no worker */
    int to, from; /* write end of its task pipe, read end of its results */
    int task;     /* the task it is running, or -1 when idle */
};

struct procpool {
    procpool_task fn;
    int nworkers;
    struct worker w[MAX_WORKERS];
    struct task *tasks;
    int ntasks, cap;
    int next; /* the first task not yet handed to a worker */
};

/* ---- the worker process ------------------------------------------------ */

static _Noreturn void worker_main(int in, int out, procpool_task fn)
{
    long arg;
    while (read_full(in, &arg, sizeof arg) == sizeof arg) {
        long result = fn(arg);
        if (write_full(out, &result, sizeof result) != sizeof result)
            break;
    }
    _exit(0); /* end of file: the pool is gone */
}

/* Fork the worker for slot k.  The child closes every other worker's pipe
 * ends: a copy of worker j's task pipe held open here would stop worker j
 * from ever seeing end of file. */
static int start_worker(struct procpool *p, int k)
{
    int down[2], up[2];
    if (pipe(down) != 0)
        return -1;
    if (pipe(up) != 0) {
        close(down[0]);
        close(down[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int j = 0; j < p->nworkers; j++)
            if (j != k && p->w[j].pid > 0)
                close(p->w[j].to), close(p->w[j].from);
        close(down[1]);
        close(up[0]);
        worker_main(down[0], up[1], p->fn);
    }
    close(down[0]); /* the child's ends: ours must go, or no EOF ever comes */
    close(up[1]);
    if (pid < 0) {
        close(down[1]);
        close(up[0]);
        return -1;
    }
    p->w[k] = (struct worker){ pid, down[1], up[0], -1 };
    return 0;
}

/* Close a worker's pipes and reap it. */
static void retire(struct worker *w)
{
    close(w->to);
    close(w->from);
    while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
}

/* ---- the parent's bookkeeping ------------------------------------------- */

/* Hand queued tasks, in order, to idle workers. */
static void dispatch(struct procpool *p)
{
    for (int k = 0; k < p->nworkers && p->next < p->ntasks; k++) {
        struct worker *w = &p->w[k];
        if (w->pid <= 0 || w->task >= 0)
            continue;
        struct task *t = &p->tasks[p->next];
        /* An idle worker sits in read(): it cannot have died, so this
         * write finds a reader (and cannot block: the pipe is empty). */
        if (write_full(w->to, &t->arg, sizeof t->arg) != sizeof t->arg)
            continue;
        t->state = RUNNING;
        w->task = p->next++;
    }
}

/* A busy worker's pipe is readable: a result, or its death. */
static void on_readable(struct procpool *p, int k)
{
    struct worker *w = &p->w[k];
    struct task *t = &p->tasks[w->task];
    long result;
    if (read_full(w->from, &result, sizeof result) == sizeof result) {
        t->result = result;
        t->state = DONE;
        w->task = -1;
        return;
    }
    t->state = FAILED; /* end of file: the worker died with the task */
    retire(w);
    if (start_worker(p, k) != 0)
        w->pid = 0; /* no replacement: the others carry on */
}

/* Wait up to timeout_ms (-1: forever) for busy workers; handle what comes.
 * Returns the number of busy workers there were. */
static int collect(struct procpool *p, int timeout_ms)
{
    struct pollfd fds[MAX_WORKERS];
    int slot[MAX_WORKERS], n = 0;
    for (int k = 0; k < p->nworkers; k++)
        if (p->w[k].pid > 0 && p->w[k].task >= 0) {
            fds[n] = (struct pollfd){ .fd = p->w[k].from, .events = POLLIN };
            slot[n++] = k;
        }
    if (n == 0)
        return 0;
    if (poll(fds, (nfds_t)n, timeout_ms) < 0)
        return n; /* EINTR: the caller comes round again */
    for (int i = 0; i < n; i++)
        if (fds[i].revents)
            on_readable(p, slot[i]);
    return n;
}

/* ---- the API --------------------------------------------------------------- */

struct procpool *procpool_create(int nworkers, procpool_task fn)
{
    if (nworkers < 1 || nworkers > MAX_WORKERS || !fn)
        return NULL;
    struct procpool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->fn = fn;
    p->nworkers = nworkers;
    for (int k = 0; k < nworkers; k++)
        if (start_worker(p, k) != 0) {
            procpool_shutdown(p);
            return NULL;
        }
    return p;
}

int procpool_submit(struct procpool *p, long arg)
{
    if (p->ntasks == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        struct task *t = realloc(p->tasks, (size_t)cap * sizeof *t);
        if (!t)
            return -1;
        p->tasks = t;
        p->cap = cap;
    }
    p->tasks[p->ntasks] = (struct task){ arg, 0, QUEUED };
    int id = p->ntasks++;
    collect(p, 0); /* pick up finished results without waiting... */
    dispatch(p);   /* ...so that their workers can start the next task */
    return id;
}

int procpool_wait(struct procpool *p, int id, long *result)
{
    if (!p || id < 0 || id >= p->ntasks)
        return -1;
    struct task *t = &p->tasks[id];
    while (t->state == QUEUED || t->state == RUNNING) {
        dispatch(p);
        if (collect(p, -1) == 0 && t->state == QUEUED) {
            t->state = FAILED; /* no worker is left to run it */
            break;
        }
    }
    int ok = t->state == DONE;
    if (ok && result)
        *result = t->result;
    t->state = COLLECTED;
    return ok ? 0 : -1;
}

/* End of file on the task pipe is not enough to stop a worker: any process
 * forked later by this program (another pool's workers, say) holds a copy
 * of that pipe's write end, and the worker would wait for it forever.  A
 * signal reaches the worker whoever holds what. */
void procpool_shutdown(struct procpool *p)
{
    if (!p)
        return;
    for (int k = 0; k < p->nworkers; k++)
        if (p->w[k].pid > 0)
            kill(p->w[k].pid, SIGKILL); /* queued tasks are dropped */
    for (int k = 0; k < p->nworkers; k++)
        if (p->w[k].pid > 0)
            retire(&p->w[k]);
    free(p->tasks);
    free(p);
}
