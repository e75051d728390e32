/* mixed.c: exercise 7.2, reference solution.
 *
 * Each kind of job gets the model the rule gives it, and the three run at
 * the same time:
 *   - CPU jobs: one thread takes them one by one and counts each with
 *     count_primes_threads() on all the cores (small chunks, so that an
 *     uneven job still keeps every core busy);
 *   - fast I/O jobs: a thread each (at most 8, sharing the jobs if there
 *     are more), blocking on one connection;
 *   - slow I/O jobs: chapter 4's loop, on the calling thread, with every
 *     request in flight at once (at most MAX_OPEN connections).
 * Threads besides the caller: 1 + cores + 8 at most. */
#include "mixed.h"

#include "evloop.h"
#include "io.h"
#include "net.h"
#include "primes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { FAST_THREADS = 8, MAX_OPEN = 512, LINE = 64 };

struct batch {
    struct job *jobs;
    int n, cores;
    atomic_int next_fast; /* the fast jobs, shared by their threads */
};

static int make_line(char *buf, int job, int k)
{
    return snprintf(buf, LINE, "job %d request %d\n", job, k);
}

/* ---- CPU jobs: one after another, each on every core -------------------- */

static void *cpu_jobs(void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++)
        if (b->jobs[i].kind == JOB_CPU)
            b->jobs[i].result = count_primes_threads(b->jobs[i].lo, b->jobs[i].hi,
                                                     b->cores, 2000);
    return NULL;
}

/* ---- fast I/O jobs: a thread blocks on one connection ------------------- */

static long blocking_session(int port, int job, int requests)
{
    int fd = tcp_connect_loopback(port);
    long right = 0;
    if (fd < 0)
        return 0;
    char line[LINE], reply[LINE];
    for (int k = 0; k < requests; k++) {
        int len = make_line(line, job, k), got = 0;
        if (write_full(fd, line, (size_t)len) != len)
            break;
        while (got < LINE && !memchr(reply, '\n', (size_t)got)) {
            ssize_t r = read(fd, reply + got, (size_t)(LINE - got));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (int)r;
        }
        if (got != len || memcmp(reply, line, (size_t)len) != 0)
            break;
        right++;
    }
    close(fd);
    return right;
}

static void *fast_jobs(void *arg)
{
    struct batch *b = arg;
    for (;;) {
        int i = atomic_fetch_add(&b->next_fast, 1);
        while (i < b->n && b->jobs[i].kind != JOB_FAST_IO)
            i = atomic_fetch_add(&b->next_fast, 1);
        if (i >= b->n)
            return NULL;
        b->jobs[i].result = blocking_session(b->jobs[i].port, i, b->jobs[i].requests);
    }
}

/* ---- slow I/O jobs: a state machine each, on the loop ------------------- */

struct loop_state;

struct slow {
    struct loop_state *st;
    int index, fd, k, len, got; /* k: requests answered right so far */
    char line[LINE], reply[LINE];
};

struct loop_state {
    struct batch *b;
    struct slow *s;  /* one per job, used by the slow ones */
    int next, open;  /* the next job to look at; connections open */
};

static void start_more(struct el_loop *loop, struct loop_state *st);

static void finish(struct el_loop *loop, struct slow *s)
{
    struct loop_state *st = s->st;
    st->b->jobs[s->index].result = s->k;
    el_unwatch(loop, s->fd);
    close(s->fd);
    st->open--;
    start_more(loop, st); /* a connection is free: use it */
}

static int send_next(struct slow *s)
{
    s->len = make_line(s->line, s->index, s->k);
    s->got = 0;
    return send(s->fd, s->line, (size_t)s->len, MSG_NOSIGNAL) == s->len ? 0 : -1;
}

static void on_slow(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct slow *s = data;
    int requests = s->st->b->jobs[s->index].requests;
    (void)events;
    if (el_events(loop, fd) == EL_WRITE) { /* connected, or failed */
        int err = 0;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof err });
        if (err || send_next(s) != 0) {
            finish(loop, s);
            return;
        }
        el_set_events(loop, fd, EL_READ);
        return;
    }
    ssize_t r = read(fd, s->reply + s->got, (size_t)(LINE - s->got));
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (r <= 0) {
        finish(loop, s);
        return;
    }
    s->got += (int)r;
    if (!memchr(s->reply, '\n', (size_t)s->got) && s->got < LINE)
        return; /* half a line so far */
    if (s->got != s->len || memcmp(s->reply, s->line, (size_t)s->len) != 0) {
        finish(loop, s);
        return;
    }
    if (++s->k == requests || send_next(s) != 0)
        finish(loop, s);
}

static int start_one(struct el_loop *loop, struct loop_state *st, int i)
{
    struct slow *s = &st->s[i];
    struct job *j = &st->b->jobs[i];
    *s = (struct slow){ .st = st, .index = i };
    j->result = 0;
    if (j->requests < 1)
        return 0;
    s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)j->port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s->fd < 0)
        return 0;
    if ((connect(s->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) ||
        el_watch(loop, s->fd, EL_WRITE, on_slow, s) != 0) {
        close(s->fd);
        return 0;
    }
    st->open++;
    return 1;
}

static void start_more(struct el_loop *loop, struct loop_state *st)
{
    while (st->open < MAX_OPEN && st->next < st->b->n) {
        int i = st->next++;
        if (st->b->jobs[i].kind == JOB_SLOW_IO)
            start_one(loop, st, i);
    }
}

static int slow_jobs(struct batch *b)
{
    struct loop_state st = { .b = b, .s = calloc((size_t)b->n, sizeof(struct slow)) };
    struct el_loop *loop = el_loop_new();
    if (!st.s || !loop) {
        free(st.s);
        el_loop_free(loop);
        return -1;
    }
    start_more(loop, &st);
    int rc = st.open ? el_run(loop) : 0; /* until the last connection closes */
    el_loop_free(loop);
    free(st.s);
    return rc;
}

/* ---- all three at once ------------------------------------------------------ */

int run_batch(struct job *jobs, int n, int cores)
{
    struct batch b = { .jobs = jobs, .n = n, .cores = cores < 1 ? 1 : cores };
    pthread_t cpu, fast[FAST_THREADS];
    int nfast = 0, cpu_started = 0, rc = 0;
    for (int i = 0; i < n; i++)
        nfast += jobs[i].kind == JOB_FAST_IO;
    nfast = nfast > FAST_THREADS ? FAST_THREADS : nfast;
    cpu_started = pthread_create(&cpu, NULL, cpu_jobs, &b) == 0;
    for (int t = 0; t < nfast; t++)
        if (pthread_create(&fast[t], NULL, fast_jobs, &b) != 0)
            nfast = t;
    if (slow_jobs(&b) != 0) /* on this thread, while the others work */
        rc = -1;
    if (cpu_started)
        pthread_join(cpu, NULL);
    else
        cpu_jobs(&b); /* no thread: do it here, late but right */
    for (int t = 0; t < nfast; t++)
        pthread_join(fast[t], NULL);
    if (nfast == 0)
        fast_jobs(&b);
    return rc;
}
