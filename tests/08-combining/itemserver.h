/* itemserver.h: the item server the exercise 8.1 tests fetch from, and
 * the two references they time the learner against.
 *
 * The server runs in a process of its own (start it before any thread).
 * A request is a line "item K"; after the delay the reply is "lo hi" from
 * the test's table, or "ERR no such item".  Unlike lib/slow_server it
 * handles one request per connection at a time: the delay of the next
 * request starts only once the previous reply has been sent, so nobody
 * can fetch n items on one connection in one delay.  It counts, in shared
 * memory, the connections open now and at most, and the requests. */
#ifndef ITEMSERVER_H
#define ITEMSERVER_H

#include "evloop.h"
#include "net.h"
#include "primes.h"
#include "timing.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define ITEMS_MAX 256

struct item_table {
    int n;
    uint64_t lo[ITEMS_MAX], hi[ITEMS_MAX];
    char broken[ITEMS_MAX];     /* reply "oops" instead of "lo hi" */
    _Atomic int open, peak, requests;
};

struct item_server {
    pid_t pid;
    int port;
    struct item_table *t;       /* shared with the server process */
};

struct is_conn {
    struct item_table *t;
    struct el_loop *loop;
    struct el_timer timer;
    int fd, pending;
    size_t len;
    char in[256];
    char reply[64];
};

static inline void is_close(struct is_conn *c)
{
    el_timer_stop(c->loop, &c->timer);
    el_unwatch(c->loop, c->fd);
    close(c->fd);
    atomic_fetch_sub(&c->t->open, 1);
    free(c);
}

static inline void is_due(struct el_loop *loop, struct el_timer *tm, void *data);

/* Start the delay for the first complete line, unless one is pending. */
static inline void is_next(struct is_conn *c, double delay_ms)
{
    char *nl;
    if (c->pending || !(nl = memchr(c->in, '\n', c->len)))
        return;
    *nl = '\0';
    int k;
    char extra;
    struct item_table *t = c->t;
    if (sscanf(c->in, "item %d %c", &k, &extra) == 1 && k >= 0 && k < t->n) {
        if (t->broken[k])
            snprintf(c->reply, sizeof c->reply, "oops\n");
        else
            snprintf(c->reply, sizeof c->reply, "%" PRIu64 " %" PRIu64 "\n", t->lo[k],
                     t->hi[k]);
    } else {
        snprintf(c->reply, sizeof c->reply, "ERR no such item\n");
    }
    atomic_fetch_add(&t->requests, 1);
    c->len -= (size_t)(nl + 1 - c->in);
    memmove(c->in, nl + 1, c->len);
    c->pending = 1;
    el_timer_start(c->loop, &c->timer, delay_ms, 0, is_due, c);
}

static double is_delay_ms;

static inline void is_due(struct el_loop *loop, struct el_timer *tm, void *data)
{
    (void)loop, (void)tm;
    struct is_conn *c = data;
    c->pending = 0;
    if (send(c->fd, c->reply, strlen(c->reply), MSG_NOSIGNAL) < 0) {
        is_close(c);
        return;
    }
    is_next(c, is_delay_ms);
}

static inline void is_readable(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)events;
    struct is_conn *c = data;
    ssize_t n = read(fd, c->in + c->len, sizeof c->in - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0 || c->len + (size_t)n == sizeof c->in) {
        is_close(c);
        return;
    }
    c->len += (size_t)n;
    is_next(c, is_delay_ms);
}

static inline void is_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events;
    struct item_table *t = data;
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct is_conn *c = calloc(1, sizeof *c);
        c->t = t;
        c->loop = loop;
        c->fd = fd;
        el_watch(loop, fd, EL_READ, is_readable, c);
        int now = atomic_fetch_add(&t->open, 1) + 1;
        int peak = atomic_load(&t->peak);
        while (now > peak && !atomic_compare_exchange_weak(&t->peak, &peak, now))
            ;
    }
}

/* Start the server with a table of n items (lo[i], hi[i]). */
static inline int item_server_start(struct item_server *s, double delay_ms, int n,
                                    const uint64_t *lo, const uint64_t *hi)
{
    s->t = mmap(NULL, sizeof *s->t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                -1, 0);
    if (s->t == MAP_FAILED || n > ITEMS_MAX)
        return -1;
    memset(s->t, 0, sizeof *s->t);
    s->t->n = n;
    for (int i = 0; i < n; i++)
        s->t->lo[i] = lo[i], s->t->hi[i] = hi[i];
    s->port = 0;
    int lfd = tcp_listen_loopback(&s->port);
    if (lfd < 0)
        return -1;
    fflush(NULL);
    s->pid = fork();
    if (s->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        is_delay_ms = delay_ms;
        struct el_loop *loop = el_loop_new();
        set_nonblocking(lfd);
        el_watch(loop, lfd, EL_READ, is_accept, s->t);
        el_run(loop);
        _exit(0);
    }
    close(lfd);
    return s->pid > 0 ? 0 : -1;
}

static inline void item_server_stop(struct item_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    if (s->t && s->t != MAP_FAILED)
        munmap(s->t, sizeof *s->t);
    s->t = NULL;
}

/* Wait (briefly) until every connection to the server has closed. */
static inline int item_server_idle(struct item_server *s)
{
    for (int i = 0; i < 200 && atomic_load(&s->t->open) > 0; i++)
        usleep(1000);
    return atomic_load(&s->t->open) == 0;
}

/* ---- the two references ------------------------------------------------ */

/* I/O alone: fetch items 0..n-1 over `conns` connections, one request in
 * flight on each, from one poll() thread; no counting.  Writes lo and hi.
 * Returns 0, or -1 on any error. */
static inline int fetch_only(int port, int n, int conns, uint64_t *lo, uint64_t *hi)
{
    enum { MAXC = 64 };
    struct { int fd, item; size_t len; char in[64]; } c[MAXC];
    if (conns > MAXC)
        conns = MAXC;
    if (conns > n)
        conns = n;
    int next = 0, done = 0, rc = 0;
    struct pollfd pf[MAXC];
    for (int k = 0; k < conns; k++) {
        c[k].fd = tcp_connect_loopback(port);
        c[k].len = 0;
        pf[k] = (struct pollfd){ c[k].fd, POLLIN, 0 };
        char req[32];
        c[k].item = next++;
        int len = snprintf(req, sizeof req, "item %d\n", c[k].item);
        if (c[k].fd < 0 || send(c[k].fd, req, (size_t)len, MSG_NOSIGNAL) != len)
            rc = -1;
    }
    while (rc == 0 && done < n) {
        if (poll(pf, (nfds_t)conns, 10000) <= 0) {
            rc = -1;
            break;
        }
        for (int k = 0; k < conns; k++) {
            if (!pf[k].revents)
                continue;
            ssize_t got = read(c[k].fd, c[k].in + c[k].len, sizeof c[k].in - 1 - c[k].len);
            if (got <= 0) {
                rc = -1;
                break;
            }
            c[k].len += (size_t)got;
            c[k].in[c[k].len] = '\0';
            if (!memchr(c[k].in, '\n', c[k].len))
                continue;
            if (sscanf(c[k].in, "%" SCNu64 " %" SCNu64, &lo[c[k].item], &hi[c[k].item]) != 2)
                rc = -1;
            c[k].len = 0;
            done++;
            if (next < n) {
                char req[32];
                c[k].item = next++;
                int len = snprintf(req, sizeof req, "item %d\n", c[k].item);
                if (send(c[k].fd, req, (size_t)len, MSG_NOSIGNAL) != len)
                    rc = -1;
            }
        }
    }
    for (int k = 0; k < conns; k++)
        if (c[k].fd >= 0)
            close(c[k].fd);
    return rc;
}

/* CPU alone: count items 0..n-1 on `workers` threads that take the next
 * item from a shared counter. */
struct count_job {
    const uint64_t *lo, *hi;
    long *counts;
    int n;
    _Atomic int next;
};

static inline void *count_worker(void *arg)
{
    struct count_job *j = arg;
    int i;
    while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
        j->counts[i] = count_primes(j->lo[i], j->hi[i]);
    return NULL;
}

static inline void count_only(const uint64_t *lo, const uint64_t *hi, int n, int workers,
                              long *counts)
{
    struct count_job j = { lo, hi, counts, n, 0 };
    pthread_t tid[64];
    int started = 0;
    for (; started < workers && started < 64; started++)
        if (pthread_create(&tid[started], NULL, count_worker, &j) != 0)
            break;
    if (started == 0)
        count_worker(&j);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
}

#endif
