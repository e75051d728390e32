/* Exercise 8.1, a solution: one loop thread fetches, `workers` threads
 * count, and a queue of fetched items joins them.
 *
 * Every item is queued exactly once, so the queue is an array of n slots
 * and never fills: the only waiting is a worker waiting for the next
 * item.  A worker writes counts[i] for the items it takes; the join at
 * the end is what makes those writes visible to the caller. */
#define _GNU_SOURCE
#include "overlap.h"

#include "evloop.h"
#include "net.h"
#include "primes.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct item {
    int index;
    uint64_t lo, hi;
};

struct queue {
    pthread_mutex_t lock;
    pthread_cond_t more;
    struct item *items;  /* n slots: each item goes in once */
    int head, tail, closed;
    long *counts;
};

struct conn {
    struct run *run;
    int fd, item;        /* the item in flight, or -1 */
    size_t len;
    char in[OVERLAP_MAX_LINE];
};

struct run {
    struct el_loop *loop;
    struct queue q;
    struct conn *conns;
    const char *const *requests;
    int n, next, fetched, failed;
};

static void *worker(void *arg)
{
    struct queue *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (q->head == q->tail && !q->closed)
            pthread_cond_wait(&q->more, &q->lock);
        if (q->head == q->tail)
            break; /* closed and empty */
        struct item it = q->items[q->head++];
        pthread_mutex_unlock(&q->lock);
        q->counts[it.index] = count_primes(it.lo, it.hi); /* outside the lock */
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static void push(struct queue *q, struct item it)
{
    pthread_mutex_lock(&q->lock);
    q->items[q->tail++] = it;
    pthread_cond_signal(&q->more);
    pthread_mutex_unlock(&q->lock);
}

static void fail(struct run *r)
{
    r->failed = 1;
    el_stop(r->loop);
}

/* Send the next request on c, if any is left. */
static void send_next(struct run *r, struct conn *c)
{
    if (r->next >= r->n)
        return;
    c->item = r->next++;
    char line[1024];
    int len = snprintf(line, sizeof line, "%s\n", r->requests[c->item]);
    if (len <= 0 || len >= (int)sizeof line ||
        send(c->fd, line, (size_t)len, MSG_NOSIGNAL) != len)
        fail(r); /* one short line on an idle connection always fits */
}

static void on_reply(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)events;
    struct conn *c = data;
    struct run *r = c->run;
    ssize_t got = read(fd, c->in + c->len, sizeof c->in - c->len);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        fail(r);
        return;
    }
    c->len += (size_t)got;
    char *nl = memchr(c->in, '\n', c->len);
    if (!nl) {
        if (c->len == sizeof c->in)
            fail(r); /* no reply is that long */
        return;
    }
    *nl = '\0';
    struct item it = { .index = c->item };
    char extra;
    if (c->item < 0 || nl + 1 != c->in + c->len ||
        sscanf(c->in, "%" SCNu64 " %" SCNu64 " %c", &it.lo, &it.hi, &extra) != 2 ||
        it.lo > it.hi) {
        fail(r);
        return;
    }
    c->len = 0;
    c->item = -1;
    push(&r->q, it); /* a worker counts it while we fetch the next */
    if (++r->fetched == r->n)
        el_stop(r->loop);
    else
        send_next(r, c);
}

int overlap_run(int port, const char *const *requests, int n, int conns,
                int workers, long *counts)
{
    if (n <= 0)
        return 0;
    struct run r = { .requests = requests, .n = n };
    int nconns = conns < n ? conns : n, started = 0, rc = -1;
    r.conns = calloc((size_t)nconns, sizeof *r.conns);
    pthread_t *tid = calloc((size_t)workers, sizeof *tid);
    r.q.items = calloc((size_t)n, sizeof *r.q.items);
    r.q.counts = counts;
    r.loop = el_loop_new();
    pthread_mutex_init(&r.q.lock, NULL);
    pthread_cond_init(&r.q.more, NULL);
    if (!r.conns || !tid || !r.q.items || !r.loop)
        goto out;
    for (; started < workers; started++)
        if (pthread_create(&tid[started], NULL, worker, &r.q) != 0)
            break;
    if (started == 0)
        goto out;
    int opened = 0;
    for (; opened < nconns; opened++) {
        struct conn *c = &r.conns[opened];
        c->run = &r;
        c->item = -1;
        c->fd = tcp_connect_loopback(port);
        if (c->fd < 0)
            break;
        if (set_nonblocking(c->fd) != 0 ||
            el_watch(r.loop, c->fd, EL_READ, on_reply, c) != 0) {
            close(c->fd);
            break;
        }
    }
    if (opened == nconns) {
        for (int k = 0; k < nconns && !r.failed; k++)
            send_next(&r, &r.conns[k]);
        if (!r.failed)
            el_run(r.loop);
        rc = r.failed ? -1 : 0;
    }
    for (int k = 0; k < opened; k++) {
        el_unwatch(r.loop, r.conns[k].fd);
        close(r.conns[k].fd);
    }
out:
    pthread_mutex_lock(&r.q.lock);
    r.q.closed = 1; /* the workers finish what is queued, then leave */
    pthread_cond_broadcast(&r.q.more);
    pthread_mutex_unlock(&r.q.lock);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&r.q.more);
    pthread_mutex_destroy(&r.q.lock);
    if (r.loop)
        el_loop_free(r.loop);
    free(r.q.items);
    free(tid);
    free(r.conns);
    return rc;
}
