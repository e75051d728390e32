/* work_server.h: chapter 8's request language (combine.h) served on one
 * event loop, every request answered on the loop thread.
 *
 * That is the prefork model: each process runs one of these loops, and
 * the CPU-heavy PRIMES requests spread over cores because the processes
 * do, not because any one of them hands work to a pool.  The listening
 * socket may be shared by every process (one accept queue) or be each
 * process's own (SO_REUSEPORT: one queue per process).
 *
 * Header-only; chapter 8's prefork demos include it. */
#ifndef WORK_SERVER_H
#define WORK_SERVER_H

#include "combine.h"
#include "evloop.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct ws_conn {
    struct ws_server *srv;
    struct ws_conn *prev, *next;    /* every open connection, for shutdown */
    int fd;
    size_t inlen, outlen;
    char in[WORK_MAX_LINE];
    char out[4096];                 /* replies the socket has not taken yet */
};

struct ws_server {
    struct el_loop *loop;
    int lfd;
    struct ws_conn *conns;
    long served, accepted, empty_accepts;
    struct el_notify stop;          /* rung by the SIGTERM handler */
};

static inline void ws_close(struct ws_conn *c)
{
    struct ws_server *s = c->srv;
    el_unwatch(s->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

/* Send what is buffered; wait for EL_WRITE only while something is left.
 * Returns -1 if the connection is gone. */
static inline int ws_flush(struct ws_conn *c)
{
    while (c->outlen) {
        ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0)
            return -1;
        memmove(c->out, c->out + n, c->outlen - (size_t)n);
        c->outlen -= (size_t)n;
    }
    /* Backpressure: a client that does not read its replies is not read. */
    unsigned want = (c->outlen < sizeof c->out / 2 ? EL_READ : 0) |
                    (c->outlen ? EL_WRITE : 0);
    el_set_events(c->srv->loop, c->fd, want);
    return 0;
}

// [snippet serve_line]
static inline void ws_answer(struct ws_conn *c, const char *line)
{
    char reply[64];
    struct work_req r = work_parse(line);
    work_answer(&r, reply, sizeof reply); /* PRIMES: right here, on the loop */
    size_t n = strlen(reply);
    if (c->outlen + n + 1 <= sizeof c->out) {
        memcpy(c->out + c->outlen, reply, n);
        c->out[c->outlen + n] = '\n';
        c->outlen += n + 1;
    }
    c->srv->served++;
}
// [end serve_line]

static inline void ws_on_conn(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop;
    struct ws_conn *c = data;
    if (events & EL_READ) {
        ssize_t n = read(fd, c->in + c->inlen, sizeof c->in - c->inlen);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            ws_close(c);
            return;
        }
        if (n > 0)
            c->inlen += (size_t)n;
        char *nl;
        while ((nl = memchr(c->in, '\n', c->inlen))) {
            *nl = '\0';
            ws_answer(c, c->in);
            c->inlen -= (size_t)(nl + 1 - c->in);
            memmove(c->in, nl + 1, c->inlen);
        }
        if (c->inlen == sizeof c->in) { /* a line too long: goodbye */
            ws_close(c);
            return;
        }
    }
    if (ws_flush(c) != 0)
        ws_close(c);
}

// [snippet accept]
/* One connection per wake-up, on purpose: a process busy with a heavy
 * request should leave the next connection to an idle sibling. */
static inline void ws_on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events;
    struct ws_server *s = data;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        s->empty_accepts += errno == EAGAIN; /* a sibling was faster */
        return;
    }
    struct ws_conn *c = calloc(1, sizeof *c);
    if (!c || el_watch(loop, fd, EL_READ, ws_on_conn, c) != 0) {
        free(c);
        close(fd);
        return;
    }
    c->srv = s;
    c->fd = fd;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->accepted++;
}
// [end accept]

static struct el_notify *ws_stop_bell; /* for the signal handler */

static inline void ws_on_sigterm(int sig)
{
    (void)sig;
    int saved = errno;
    el_notify_send(ws_stop_bell); /* async-signal-safe: one write() */
    errno = saved;
}

static inline void ws_stop_cb(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)n, (void)data;
    el_stop(loop);
}

// [snippet child]
/* A prefork child's whole life: serve on lfd until SIGTERM, then close
 * every connection and leave.  Never returns.  (served and ready, when
 * not NULL, point into memory shared with the parent, for benchmarks.) */
static inline void ws_child(int lfd, long *served, _Atomic int *ready)
{
    struct ws_server s = { .loop = el_loop_new(), .lfd = lfd };
    if (!s.loop || el_notify_init(s.loop, &s.stop, ws_stop_cb, NULL) != 0 ||
        el_watch(s.loop, lfd, EL_READ, ws_on_accept, &s) != 0)
        _exit(1);
    ws_stop_bell = &s.stop;
    struct sigaction sa = { .sa_handler = ws_on_sigterm };
    sigaction(SIGTERM, &sa, NULL);
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &term, NULL); /* the parent blocked it for us */
    if (ready)
        atomic_fetch_add(ready, 1);
    el_run(s.loop);
    while (s.conns)
        ws_close(s.conns);
    el_unwatch(s.loop, lfd);
    close(lfd);
    el_notify_close(s.loop, &s.stop);
    el_loop_free(s.loop);
    if (served)
        *served = s.served;
    _exit(0);
}
// [end child]

#endif
