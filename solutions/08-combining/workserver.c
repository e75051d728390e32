/* Exercise 8.2, a solution: one loop thread, a pool of `workers` threads.
 *
 * The loop answers PING and PID itself.  A PRIMES request becomes a job
 * on the pool's queue, and its connection stops processing requests until
 * the job comes back (a client has one request in flight anyway).  A
 * worker computes the reply, puts the job on the `done` list and rings the
 * loop's doorbell when the list was empty; the loop takes the whole list
 * and sends the replies.  Only the two lists are shared, under one mutex.
 *
 * Lifetimes: a connection whose client leaves while its job runs is
 * closed at once but its struct stays (marked `gone`) until the job comes
 * back, because the job points at it. */
#define _GNU_SOURCE
#include "workserver.h"

#include "evloop.h"
#include "net.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct server;

struct conn {
    struct server *srv;
    struct conn *prev, *next; /* open connections */
    int fd, busy, gone;
    size_t inlen, outlen;
    char in[WORK_MAX_LINE];
    char out[512];
};

struct job {
    struct job *next;
    struct conn *conn;
    struct work_req req;
    char reply[32];
};

struct server {
    struct el_loop *loop;
    struct el_notify bell;
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct job *todo, *todo_tail, *done;
    int stopping;
    struct conn *conns;
};

/* ---- the pool ----------------------------------------------------------- */

static void *worker(void *arg)
{
    struct server *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->todo && !s->stopping)
            pthread_cond_wait(&s->more, &s->lock);
        struct job *j = s->todo;
        if (!j)
            break;
        s->todo = j->next;
        pthread_mutex_unlock(&s->lock);
        work_answer(&j->req, j->reply, sizeof j->reply); /* the heavy part */
        pthread_mutex_lock(&s->lock);
        j->next = s->done; /* order does not matter: one job per connection */
        s->done = j;
        if (!j->next)
            el_notify_send(&s->bell);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void submit(struct server *s, struct job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&s->lock);
    if (s->todo)
        s->todo_tail->next = j;
    else
        s->todo = j;
    s->todo_tail = j;
    pthread_cond_signal(&s->more);
    pthread_mutex_unlock(&s->lock);
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(struct conn *c)
{
    struct server *s = c->srv;
    el_unwatch(s->loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if (c->busy)
        c->gone = 1; /* its job still points here: free it when it returns */
    else
        free(c);
}

static void put_reply(struct conn *c, const char *text)
{
    size_t n = strlen(text);
    if (c->outlen + n + 1 <= sizeof c->out) { /* one request at a time: it fits */
        memcpy(c->out + c->outlen, text, n);
        c->out[c->outlen + n] = '\n';
        c->outlen += n + 1;
    }
}

/* Send what is waiting and choose the events.  0, or -1 if c was closed. */
static int flush(struct conn *c)
{
    while (c->outlen) {
        ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0) {
            conn_close(c);
            return -1;
        }
        memmove(c->out, c->out + n, c->outlen - (size_t)n);
        c->outlen -= (size_t)n;
    }
    unsigned want = (c->inlen < sizeof c->in ? EL_READ : 0) | (c->outlen ? EL_WRITE : 0);
    el_set_events(c->srv->loop, c->fd, want);
    return 0;
}

/* Answer complete lines until one goes to the pool. */
static int process(struct conn *c)
{
    char *nl;
    while (!c->busy && (nl = memchr(c->in, '\n', c->inlen))) {
        *nl = '\0';
        struct work_req r = work_parse(c->in);
        c->inlen -= (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->inlen);
        if (work_is_heavy(&r)) {
            struct job *j = calloc(1, sizeof *j);
            if (!j) {
                conn_close(c);
                return -1;
            }
            j->conn = c;
            j->req = r;
            c->busy = 1;
            submit(c->srv, j);
        } else {
            char reply[32];
            work_answer(&r, reply, sizeof reply);
            put_reply(c, reply);
        }
    }
    if (!c->busy && c->inlen == sizeof c->in) { /* a line too long */
        conn_close(c);
        return -1;
    }
    return flush(c);
}

static void on_conn(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop;
    struct conn *c = data;
    if ((events & EL_READ) && c->inlen < sizeof c->in) {
        ssize_t n = read(fd, c->in + c->inlen, sizeof c->in - c->inlen);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            conn_close(c);
            return;
        }
        if (n > 0)
            c->inlen += (size_t)n;
    }
    process(c);
}

static void on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events;
    struct server *s = data;
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct conn *c = calloc(1, sizeof *c);
        if (!c || el_watch(loop, fd, EL_READ, on_conn, c) != 0) {
            free(c);
            close(fd);
            continue;
        }
        c->srv = s;
        c->fd = fd;
        c->next = s->conns;
        if (s->conns)
            s->conns->prev = c;
        s->conns = c;
    }
}

/* The doorbell: replies are back from the pool. */
static void on_done(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)loop, (void)n;
    struct server *s = data;
    pthread_mutex_lock(&s->lock);
    struct job *j = s->done;
    s->done = NULL;
    pthread_mutex_unlock(&s->lock);
    while (j) {
        struct job *next = j->next;
        struct conn *c = j->conn;
        c->busy = 0;
        if (c->gone) {
            free(c);
        } else {
            put_reply(c, j->reply);
            process(c); /* flushes, and handles a request already waiting */
        }
        free(j);
        j = next;
    }
}

static void on_stop(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)fd, (void)events, (void)data;
    el_stop(loop);
}

static void free_jobs(struct job *j)
{
    while (j) {
        struct job *next = j->next;
        free(j->conn); /* gone: closed while the job waited */
        free(j);
        j = next;
    }
}

int work_serve(int listen_fd, int stop_fd, int workers)
{
    struct server s = { .loop = el_loop_new() };
    pthread_t *tid = calloc((size_t)(workers > 0 ? workers : 1), sizeof *tid);
    int started = 0, rc = -1;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.more, NULL);
    s.bell.fd = -1;
    if (!s.loop || !tid || el_notify_init(s.loop, &s.bell, on_done, &s) != 0 ||
        set_nonblocking(listen_fd) != 0)
        goto out;
    for (; started < workers; started++)
        if (pthread_create(&tid[started], NULL, worker, &s) != 0)
            break;
    if (started == 0 || el_watch(s.loop, listen_fd, EL_READ, on_accept, &s) != 0 ||
        el_watch(s.loop, stop_fd, EL_READ, on_stop, &s) != 0)
        goto out;
    rc = el_run(s.loop) == 0 ? 0 : -1;
out:
    if (s.loop) {
        el_unwatch(s.loop, listen_fd);
        el_unwatch(s.loop, stop_fd);
    }
    while (s.conns)
        conn_close(s.conns);
    pthread_mutex_lock(&s.lock);
    s.stopping = 1;
    struct job *dropped = s.todo; /* not started: never will be */
    s.todo = NULL;
    pthread_cond_broadcast(&s.more);
    pthread_mutex_unlock(&s.lock);
    free_jobs(dropped);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free_jobs(s.done); /* finished, but nobody is left to tell */
    if (s.bell.fd >= 0)
        el_notify_close(s.loop, &s.bell);
    if (s.loop)
        el_loop_free(s.loop);
    pthread_cond_destroy(&s.more);
    pthread_mutex_destroy(&s.lock);
    free(tid);
    return rc;
}
