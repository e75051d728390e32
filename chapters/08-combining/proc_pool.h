/* proc_pool.h: a pool of worker processes driven by an event loop.
 *
 * Each worker is a process forked once, joined to the parent by a
 * socketpair of type SOCK_SEQPACKET: every write() is one message and
 * every read() returns one whole message, so a fixed-size task or result
 * never arrives in pieces.  The parent's end of each pair is watched by
 * the loop like any socket.  A worker that crashes closes its end as it
 * dies; the loop sees end of file, reaps it with waitpid(), reports the
 * task that killed it, and forks a replacement.  The server goes on.
 *
 * Header-only; chapter 8's demos include it. */
#ifndef PROC_POOL_H
#define PROC_POOL_H

#include "evloop.h"
#include "primes.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

// [snippet messages]
struct pp_task {      /* parent -> worker, one message */
    long id;
    uint64_t lo, hi;  /* count the primes in [lo, hi) */
    int crash;        /* 1: dereference NULL instead (a bug in a task) */
};

struct pp_result {    /* worker -> parent, one message */
    long id;
    long count;
};
// [end messages]

struct pp_pool;
typedef void pp_done_fn(struct pp_pool *p, const struct pp_task *t, long count);
typedef void pp_failed_fn(struct pp_pool *p, const struct pp_task *t, int status);

struct pp_worker {
    pid_t pid;
    int fd;             /* the parent's end of the socketpair */
    int busy;
    struct pp_task task; /* what it is running, for the post-mortem */
};

struct pp_pool {
    struct el_loop *loop;
    int n, idle;
    struct pp_worker *w;
    pp_done_fn *done;     /* on the loop thread, per result */
    pp_failed_fn *failed; /* on the loop thread, per task that killed its worker */
    void *data;
    long respawns;
};

// [snippet child]
/* The worker's whole life: a task in, a result out, until end of file. */
static inline void pp_child(int fd)
{
    struct pp_task t;
    while (read(fd, &t, sizeof t) == (ssize_t)sizeof t) {
        if (t.crash)
            *(volatile int *)NULL = 1; /* the bug: SIGSEGV */
        struct pp_result r = { t.id, count_primes(t.lo, t.hi) };
        if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
            break;
    }
    _exit(0);
}
// [end child]

static inline void pp_readable(struct el_loop *loop, int fd, unsigned events,
                               void *data);

// [snippet spawn]
static inline int pp_spawn(struct pp_pool *p, int k)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    fflush(NULL); /* or the child would print our buffered output again */
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        /* The child inherits every descriptor of a live server: the
         * epoll fd, eventfds, the listener, each client socket and the
         * siblings' ends of their pairs.  SOCK_CLOEXEC does not help, as
         * it acts only at exec.  A copy held here would keep a client's
         * connection open after the parent closes it (its peer never sees
         * FIN), and hide the end of file that tells a sibling to exit.
         * So keep stdin, stdout, stderr and our end; close the rest.
         * Until exec, a child of a threaded process may make only
         * async-signal-safe calls (fork(2)): read(), write() and _exit()
         * are, close_range() is a bare system call, and counting primes
         * takes no lock. */
        if (sv[1] > 3)
            close_range(3, (unsigned)sv[1] - 1, 0);
        close_range((unsigned)sv[1] + 1, ~0u, 0);
        pp_child(sv[1]);
    }
    close(sv[1]);
    p->w[k] = (struct pp_worker){ .pid = pid, .fd = sv[0] };
    p->idle++;
    return el_watch(p->loop, sv[0], EL_READ, pp_readable, p);
}
// [end spawn]

// [snippet readable]
static inline void pp_readable(struct el_loop *loop, int fd, unsigned events,
                               void *data)
{
    (void)loop, (void)events;
    struct pp_pool *p = data;
    int k = 0;
    while (p->w[k].fd != fd)
        k++;
    struct pp_worker *w = &p->w[k];
    struct pp_result r;
    ssize_t n = read(fd, &r, sizeof r);
    if (n == (ssize_t)sizeof r) {
        w->busy = 0;
        p->idle++;
        p->done(p, &w->task, r.count);
        return;
    }
    /* End of file: the worker died.  Reap it, report its task, replace it. */
    int status = 0;
    el_unwatch(p->loop, fd);
    close(fd);
    waitpid(w->pid, &status, 0);
    struct pp_task lost = w->task;
    int was_busy = w->busy;
    p->idle -= !w->busy;
    w->fd = -1;
    if (pp_spawn(p, k) == 0)
        p->respawns++;
    if (was_busy)
        p->failed(p, &lost, status);
}
// [end readable]

static inline int pp_start(struct pp_pool *p, struct el_loop *loop, int n,
                           pp_done_fn *done, pp_failed_fn *failed, void *data)
{
    *p = (struct pp_pool){ .loop = loop, .n = n, .done = done, .failed = failed,
                           .data = data };
    p->w = calloc((size_t)n, sizeof *p->w);
    if (!p->w)
        return -1;
    for (int k = 0; k < n; k++)
        p->w[k].fd = -1;
    for (int k = 0; k < n; k++)
        if (pp_spawn(p, k) != 0)
            return -1;
    return 0;
}

// [snippet submit]
/* Loop thread.  0: sent to an idle worker.  -1: every worker is busy;
 * keep the task and submit it from a done or failed callback. */
static inline int pp_submit(struct pp_pool *p, const struct pp_task *t)
{
    for (int k = 0; k < p->n; k++) {
        struct pp_worker *w = &p->w[k];
        if (w->busy || w->fd < 0)
            continue;
        if (send(w->fd, t, sizeof *t, MSG_NOSIGNAL) != (ssize_t)sizeof *t)
            continue; /* it is dying: its end of file will tell us */
        w->busy = 1;
        w->task = *t;
        p->idle--;
        return 0;
    }
    return -1;
}
// [end submit]

/* Close every socket (each worker reads end of file and exits), then reap. */
static inline void pp_stop(struct pp_pool *p)
{
    for (int k = 0; k < p->n; k++)
        if (p->w[k].fd >= 0) {
            el_unwatch(p->loop, p->w[k].fd);
            close(p->w[k].fd);
            p->w[k].fd = -1;
        }
    for (int k = 0; k < p->n; k++)
        if (p->w[k].pid > 0)
            waitpid(p->w[k].pid, NULL, 0);
    free(p->w);
}

#endif
