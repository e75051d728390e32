/* Mutant of exercise 7.2: one model for everything, one event loop.  The
 * I/O jobs are state machines on the loop, which is right for them; the
 * CPU jobs run in timer callbacks, one job per turn, on the same single
 * thread.  It uses one core for all the computing, and every reply waits
 * while a job is counted.
 * must fail: timing/finishes_within_the_measured_bound */
#include "mixed.h"

#include "evloop.h"
#include "primes.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct state {
    struct job *jobs;
    int n, next_cpu;
    struct el_timer t;
};

struct conn {
    struct job *job;
    int fd, k, len, got;
    char line[48], reply[64];
};

static void compute(struct el_loop *loop, struct el_timer *t, void *data)
{
    struct state *s = data;
    while (s->next_cpu < s->n && s->jobs[s->next_cpu].kind != JOB_CPU)
        s->next_cpu++;
    if (s->next_cpu == s->n)
        return;
    struct job *j = &s->jobs[s->next_cpu++];
    j->result = count_primes(j->lo, j->hi); /* the loop does nothing else meanwhile */
    el_timer_start(loop, t, 0, 0, compute, s);
}

static void done(struct el_loop *loop, struct conn *c)
{
    el_unwatch(loop, c->fd);
    close(c->fd);
}

static int send_line(struct conn *c)
{
    c->len = snprintf(c->line, sizeof c->line, "request %d\n", c->k);
    c->got = 0;
    return send(c->fd, c->line, (size_t)c->len, MSG_NOSIGNAL) == c->len ? 0 : -1;
}

static void on_io(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct conn *c = data;
    (void)events;
    if (el_events(loop, fd) == EL_WRITE) {
        if (send_line(c) != 0)
            return done(loop, c);
        el_set_events(loop, fd, EL_READ);
        return;
    }
    ssize_t r = read(fd, c->reply + c->got, sizeof c->reply - (size_t)c->got);
    if (r < 0 && errno == EAGAIN)
        return;
    if (r <= 0)
        return done(loop, c);
    c->got += (int)r;
    if (!memchr(c->reply, '\n', (size_t)c->got))
        return;
    if (c->got != c->len || memcmp(c->reply, c->line, (size_t)c->len) != 0)
        return done(loop, c);
    c->job->result = ++c->k;
    if (c->k == c->job->requests || send_line(c) != 0)
        done(loop, c);
}

int run_batch(struct job *jobs, int n, int cores)
{
    (void)cores;
    struct el_loop *loop = el_loop_new();
    struct state s = { .jobs = jobs, .n = n };
    struct conn *c = calloc((size_t)(n ? n : 1), sizeof *c);
    for (int i = 0; i < n; i++) {
        if (jobs[i].kind == JOB_CPU)
            continue;
        jobs[i].result = 0;
        c[i] = (struct conn){ .job = &jobs[i], .fd = -1 };
        if (jobs[i].requests < 1)
            continue;
        c[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)jobs[i].port) };
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if ((connect(c[i].fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) ||
            el_watch(loop, c[i].fd, EL_WRITE, on_io, &c[i]) != 0)
            close(c[i].fd);
    }
    el_timer_start(loop, &s.t, 0, 0, compute, &s);
    el_run(loop);
    el_loop_free(loop);
    free(c);
    return 0;
}
