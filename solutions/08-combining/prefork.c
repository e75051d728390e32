/* Exercise 8.3, a solution: a supervising parent and nprocs children,
 * each with its own loop on the shared listening socket.
 *
 * The parent blocks SIGTERM and SIGCHLD before the first fork and then
 * sleeps in sigwait() for either.  SIGCHLD: a child died; reap it and,
 * if it was killed, fork a replacement (what nginx's master does).  SIGTERM: pass it on to
 * every child, wait for each, restore the mask, return.  Blocked signals
 * wait in the kernel until sigwait() takes them, so none can arrive "too
 * early" and none needs a handler in the parent.
 *
 * A child installs a SIGTERM handler that rings its loop's doorbell, then
 * unblocks the signal.  The loop stops at the end of the current turn
 * (a count in progress finishes first), the child closes everything and
 * calls _exit(0). */
#define _GNU_SOURCE
#include "prefork.h"

#include "evloop.h"
#include "net.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a child: one loop, every request answered here ------------------- */

struct conn {
    struct conn *prev, *next;
    int fd;
    size_t inlen;
    char in[WORK_MAX_LINE];
};

struct child {
    struct el_loop *loop;
    struct el_notify stop;
    struct conn *conns;
};

static struct el_notify *stop_bell; /* for the handler: one per process */

static void on_term(int sig)
{
    (void)sig;
    int saved = errno;
    el_notify_send(stop_bell);
    errno = saved;
}

static void on_stop(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)n, (void)data;
    el_stop(loop);
}

static void conn_close(struct child *ch, struct conn *c)
{
    el_unwatch(ch->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        ch->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static struct child *self;

static void on_conn(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)events;
    struct conn *c = data;
    ssize_t n = read(fd, c->in + c->inlen, sizeof c->in - c->inlen);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        conn_close(self, c);
        return;
    }
    if (n < 0)
        return;
    c->inlen += (size_t)n;
    char *nl;
    while ((nl = memchr(c->in, '\n', c->inlen))) {
        *nl = '\0';
        struct work_req r = work_parse(c->in);
        char reply[40];
        work_answer(&r, reply, sizeof reply - 1); /* heavy or not: right here */
        strcat(reply, "\n");
        c->inlen -= (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->inlen);
        /* One short reply per request, the previous one already read by
         * the client: the socket's buffer has room for it. */
        if (send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0 && errno != EAGAIN) {
            conn_close(self, c);
            return;
        }
    }
    if (c->inlen == sizeof c->in)
        conn_close(self, c); /* a line too long */
}

/* One connection per wake-up: a busy child leaves the rest to its siblings. */
static void on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events;
    struct child *ch = data;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return; /* EAGAIN: a sibling took it */
    struct conn *c = calloc(1, sizeof *c);
    if (!c || el_watch(loop, fd, EL_READ, on_conn, c) != 0) {
        free(c);
        close(fd);
        return;
    }
    c->fd = fd;
    c->next = ch->conns;
    if (ch->conns)
        ch->conns->prev = c;
    ch->conns = c;
}

static _Noreturn void child_main(int lfd, const sigset_t *old_mask)
{
    struct child ch = { .loop = el_loop_new() };
    self = &ch;
    if (!ch.loop || el_notify_init(ch.loop, &ch.stop, on_stop, NULL) != 0 ||
        el_watch(ch.loop, lfd, EL_READ, on_accept, &ch) != 0)
        _exit(1);
    stop_bell = &ch.stop;
    struct sigaction sa = { .sa_handler = on_term };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    sigprocmask(SIG_SETMASK, old_mask, NULL); /* a SIGTERM already sent lands now */
    el_run(ch.loop);
    while (ch.conns)
        conn_close(&ch, ch.conns);
    el_unwatch(ch.loop, lfd);
    el_notify_close(ch.loop, &ch.stop);
    el_loop_free(ch.loop);
    _exit(0);
}

/* ---- the parent: fork, supervise, stop ---------------------------------- */

static pid_t spawn(int lfd, const sigset_t *old_mask)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        child_main(lfd, old_mask);
    return pid;
}

static void stop_all(pid_t *pids, int n)
{
    for (int k = 0; k < n; k++)
        if (pids[k] > 0)
            kill(pids[k], SIGTERM);
    for (int k = 0; k < n; k++)
        while (pids[k] > 0 && waitpid(pids[k], NULL, 0) < 0 && errno == EINTR)
            ;
}

int prefork_serve(int listen_fd, int nprocs)
{
    if (nprocs < 1 || set_nonblocking(listen_fd) != 0)
        return -1;
    pid_t *pids = calloc((size_t)nprocs, sizeof *pids);
    if (!pids)
        return -1;
    sigset_t wait_for, old;
    sigemptyset(&wait_for);
    sigaddset(&wait_for, SIGTERM);
    sigaddset(&wait_for, SIGCHLD);
    sigprocmask(SIG_BLOCK, &wait_for, &old); /* before the first fork */
    int rc = 0;
    for (int k = 0; k < nprocs; k++)
        if ((pids[k] = spawn(listen_fd, &old)) < 0) {
            rc = -1;
            break;
        }
    for (int sig = 0; rc == 0 && sig != SIGTERM;) {
        if (sigwait(&wait_for, &sig) != 0)
            continue;
        if (sig != SIGCHLD)
            continue;
        /* Reap every child that died.  One killed by a signal (a crash, a
         * kill) gets a replacement; one that exited by itself could not
         * start, and forking it again would only loop. */
        pid_t dead;
        int status;
        while ((dead = waitpid(-1, &status, WNOHANG)) > 0)
            for (int k = 0; k < nprocs; k++)
                if (pids[k] == dead)
                    pids[k] = WIFSIGNALED(status) ? spawn(listen_fd, &old) : 0;
    }
    stop_all(pids, nprocs);
    free(pids);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}
