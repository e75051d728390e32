/* pipeline.h: fetch items over many connections, count primes in each on
 * a thread pool, and overlap the two.
 *
 * Item i is the line "lo hi" (plus optional padding, to give items a
 * size); the slow server sends it back after its delay, and the item's
 * work is to count the primes in [lo, hi).  One loop thread keeps `conns`
 * connections busy, one request in flight on each; every reply becomes a
 * job for the pool (loop_pool.h), and the next request goes out at once.
 * So while the pool counts the items that have arrived, the loop is
 * already waiting for the next ones: I/O and CPU overlap.
 *
 * Switches turn the same code into the book's reference points: I/O
 * alone (no counting), CPU alone (no fetching), fetch-everything-first
 * (no overlap), and a bounded or unbounded pool (backpressure).  It can
 * also record a timeline of who did what when.  Header-only. */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "loop_pool.h"
#include "net.h"
#include "primes.h"
#include "timing.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct pl_config {
    int port;             /* the slow server's */
    int items, conns, workers;
    uint64_t base, width; /* item i: [base + i*width, base + (i+1)*width) */
    size_t pad;           /* padding bytes per item line (< 900) */
    size_t capacity;      /* items allowed in the pool at once; 0: no limit */
    int io_first;         /* fetch every item first, then count them all */
    int no_cpu;           /* I/O alone: fetch, do not count */
    int no_io;            /* CPU alone: count, do not fetch */
    double sample_ms;     /* > 0: sample the pool's fill every sample_ms */
};

struct pl_event {         /* one bar of the timeline */
    int lane;             /* connection k is lane k; worker w is conns + w */
    char kind;            /* 'F' fetch, 'C' count */
    double t0, t1;        /* seconds since the start */
    int item;
};

struct pl_sample {
    double t;             /* seconds since the start */
    size_t in_pool;       /* items queued or running in the pool */
    size_t bytes;         /* bytes of items held in memory */
};

struct pl_result {
    int ok;
    double wall;          /* seconds */
    long total;           /* primes over all items */
    size_t max_in_pool, max_bytes;
    struct pl_event *events;   /* 2 per item (1 when only one kind) */
    int nevents;
    struct pl_sample *samples;
    int nsamples, cap_samples;
};

// [snippet item]
struct pl_item {
    struct lp_job job;        /* first: a job is an item */
    struct pl_run *run;
    int index, worker;
    uint64_t lo, hi;
    long count;
    double fetched_at, sent_at, c0, c1;
    size_t size;              /* bytes this item holds */
    char line[];              /* the reply as it came */
};

struct pl_conn {
    struct pl_run *run;
    int fd, item;             /* the item in flight, or -1 */
    double sent;
    size_t len;
    char in[1024];
    struct pl_item *held;     /* fetched, but the pool was full */
    struct pl_conn *next_held;
};
// [end item]

struct pl_run {
    struct pl_config c;
    struct pl_result *r;
    struct el_loop *loop;
    struct lp_pool pool;
    struct pl_conn *conns;
    struct pl_conn *held, *held_tail; /* connections paused by backpressure */
    struct pl_item **parked;          /* io_first: everything fetched so far */
    int next_item, fetched, counted;
    size_t bytes;
    double t0;
    struct el_timer sampler;
};

static inline double pl_now(const struct pl_run *run)
{
    return now_s() - run->t0;
}

static inline void pl_event(struct pl_run *run, int lane, char kind, double t0,
                            double t1, int item)
{
    struct pl_result *r = run->r;
    r->events[r->nevents++] = (struct pl_event){ lane, kind, t0, t1, item };
}

// [snippet count]
/* On a pool thread: the CPU half of an item. */
static inline void pl_work(struct lp_job *job, int worker)
{
    struct pl_item *it = (struct pl_item *)job;
    it->worker = worker;
    it->c0 = pl_now(it->run);
    it->count = count_primes(it->lo, it->hi);
    it->c1 = pl_now(it->run);
}
// [end count]

static inline void pl_send_next(struct pl_run *run, struct pl_conn *c);
static inline void pl_submit_held(struct pl_run *run);

/* Back on the loop thread: the item is counted. */
static inline void pl_counted(struct lp_job *job)
{
    struct pl_item *it = (struct pl_item *)job;
    struct pl_run *run = it->run;
    if (!run->c.no_cpu)
        pl_event(run, run->c.conns + it->worker, 'C', it->c0, it->c1, it->index);
    run->r->total += it->count;
    run->bytes -= it->size;
    free(it);
    if (++run->counted == run->c.items)
        el_stop(run->loop);
    pl_submit_held(run); /* room in the pool: resume paused connections */
}

static inline struct pl_item *pl_new_item(struct pl_run *run, int index, const char *line)
{
    size_t len = strlen(line);
    struct pl_item *it = calloc(1, sizeof *it + len + 1);
    if (!it)
        return NULL;
    it->run = run;
    it->index = index;
    it->size = sizeof *it + len + 1;
    memcpy(it->line, line, len + 1);
    if (sscanf(line, "%" SCNu64 " %" SCNu64, &it->lo, &it->hi) != 2)
        it->lo = it->hi = 0;
    it->job.work = pl_work;
    it->job.done = pl_counted;
    run->bytes += it->size;
    if (run->bytes > run->r->max_bytes)
        run->r->max_bytes = run->bytes;
    return it;
}

// [snippet dispatch]
/* A reply has arrived on connection c: hand the item to the pool and
 * send the next request, or, if the pool is full, hold the item and leave
 * this connection quiet until a count finishes. */
static inline void pl_dispatch(struct pl_run *run, struct pl_conn *c, struct pl_item *it)
{
    if (run->c.no_cpu) {
        pl_counted(&it->job);
    } else if (run->c.io_first) {
        run->parked[run->fetched] = it;
        if (++run->fetched == run->c.items) /* all in: only now count */
            for (int i = 0; i < run->c.items; i++)
                lp_submit(&run->pool, &run->parked[i]->job);
    } else if (lp_submit(&run->pool, &it->job) != 0) {
        c->held = it;                       /* backpressure */
        c->next_held = NULL;
        if (run->held)
            run->held_tail->next_held = c;
        else
            run->held = c;
        run->held_tail = c;
        return;                             /* no next request for now */
    }
    pl_send_next(run, c);
}

static inline void pl_submit_held(struct pl_run *run)
{
    while (run->held && !lp_full(&run->pool)) {
        struct pl_conn *c = run->held;
        run->held = c->next_held;
        lp_submit(&run->pool, &c->held->job);
        c->held = NULL;
        pl_send_next(run, c);
    }
}
// [end dispatch]

static inline void pl_send_next(struct pl_run *run, struct pl_conn *c)
{
    if (run->next_item >= run->c.items)
        return;
    int i = run->next_item++;
    uint64_t lo = run->c.base + (uint64_t)i * run->c.width;
    char req[1024];
    size_t pad = run->c.pad < 900 ? run->c.pad : 900;
    int n = snprintf(req, sizeof req, "%" PRIu64 " %" PRIu64 " ", lo, lo + run->c.width);
    memset(req + n, '.', pad); /* stands for the item's data */
    n += (int)pad;
    req[n++] = '\n';
    c->item = i;
    c->sent = pl_now(run);
    if (send(c->fd, req, (size_t)n, MSG_NOSIGNAL) != n) { /* a fresh socket takes it */
        run->r->ok = 0;
        el_stop(run->loop);
    }
}

static inline void pl_on_reply(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)events;
    struct pl_conn *c = data;
    struct pl_run *run = c->run;
    ssize_t n = read(fd, c->in + c->len, sizeof c->in - 1 - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        run->r->ok = 0; /* the server went away */
        el_stop(loop);
        return;
    }
    c->len += (size_t)n;
    char *nl;
    while ((nl = memchr(c->in, '\n', c->len))) {
        *nl = '\0';
        struct pl_item *it = pl_new_item(run, c->item, c->in);
        size_t used = (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->len - used);
        c->len -= used;
        if (!it) {
            run->r->ok = 0;
            el_stop(loop);
            return;
        }
        pl_event(run, (int)(c - run->conns), 'F', c->sent, pl_now(run), it->index);
        c->item = -1;
        pl_dispatch(run, c, it);
    }
}

static inline void pl_sample(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)loop, (void)t;
    struct pl_run *run = data;
    struct pl_result *r = run->r;
    if (r->nsamples == r->cap_samples) {
        int cap = r->cap_samples ? 2 * r->cap_samples : 256;
        struct pl_sample *s = realloc(r->samples, (size_t)cap * sizeof *s);
        if (!s)
            return;
        r->samples = s;
        r->cap_samples = cap;
    }
    r->samples[r->nsamples++] =
        (struct pl_sample){ pl_now(run), run->pool.in_flight, run->bytes };
}

/* Run one pipeline.  The result's events and samples are malloc'd: free
 * them with pl_result_free(). */
static inline int pl_run(const struct pl_config *cfg, struct pl_result *r)
{
    struct pl_run run = { .c = *cfg, .r = r };
    *r = (struct pl_result){ .ok = 1 };
    r->events = calloc(2 * (size_t)cfg->items + 1, sizeof *r->events);
    run.parked = calloc((size_t)cfg->items + 1, sizeof *run.parked);
    run.conns = calloc((size_t)cfg->conns + 1, sizeof *run.conns);
    run.loop = el_loop_new();
    if (!r->events || !run.parked || !run.conns || !run.loop)
        return -1;
    int workers = cfg->no_cpu ? 0 : cfg->workers;
    if (workers && lp_start(&run.pool, run.loop, workers,
                            cfg->io_first ? 0 : cfg->capacity) != 0)
        return -1;
    run.t0 = now_s();
    if (cfg->sample_ms > 0) {
        pl_sample(run.loop, &run.sampler, &run);
        el_timer_start(run.loop, &run.sampler, cfg->sample_ms, cfg->sample_ms,
                       pl_sample, &run);
    }
    int nconns = cfg->no_io ? 0 : cfg->conns;
    for (int k = 0; k < nconns; k++) {
        struct pl_conn *c = &run.conns[k];
        c->run = &run;
        c->fd = tcp_connect_loopback(cfg->port);
        c->item = -1;
        if (c->fd < 0 || set_nonblocking(c->fd) != 0 ||
            el_watch(run.loop, c->fd, EL_READ, pl_on_reply, c) != 0)
            r->ok = 0;
    }
    if (cfg->no_io) /* CPU alone: every item is already here */
        for (int i = 0; i < cfg->items; i++) {
            char line[64];
            uint64_t lo = cfg->base + (uint64_t)i * cfg->width;
            snprintf(line, sizeof line, "%" PRIu64 " %" PRIu64, lo, lo + cfg->width);
            lp_submit(&run.pool, &pl_new_item(&run, i, line)->job);
        }
    for (int k = 0; k < nconns && r->ok; k++)
        pl_send_next(&run, &run.conns[k]);
    if (r->ok && cfg->items > 0)
        el_run(run.loop);
    r->wall = pl_now(&run);
    el_timer_stop(run.loop, &run.sampler);
    if (workers) {
        lp_stop(&run.pool);
        r->max_in_pool = run.pool.max_in_flight;
    }
    for (int k = 0; k < nconns; k++) {
        struct pl_conn *c = &run.conns[k];
        if (c->fd >= 0) {
            el_unwatch(run.loop, c->fd);
            close(c->fd);
        }
        free(c->held);
    }
    if (cfg->io_first && run.fetched < cfg->items) /* a failed run */
        for (int i = 0; i < run.fetched; i++)
            free(run.parked[i]);
    r->ok &= run.counted == cfg->items;
    el_loop_free(run.loop);
    free(run.conns);
    free(run.parked);
    return r->ok ? 0 : -1;
}

/* Choose c->width so that counting every item on c->workers threads takes
 * about target_s: twice, the best of three CPU-alone runs, scaling the
 * width each time.  The demos balance CPU against I/O this way on any
 * machine. */
static inline void pl_calibrate(struct pl_config *c, double target_s)
{
    for (int i = 0; i < 2; i++) {
        double best = 1e9; /* the fastest of three: the least disturbed */
        for (int k = 0; k < 3; k++) {
            struct pl_config cpu = *c;
            struct pl_result r;
            cpu.no_io = 1;
            if (pl_run(&cpu, &r) != 0)
                return;
            free(r.events);
            free(r.samples);
            best = r.wall < best ? r.wall : best;
        }
        double w = (double)c->width * target_s / (best > 1e-6 ? best : 1e-6);
        c->width = w < 100 ? 100 : (uint64_t)w;
    }
}

static inline void pl_result_free(struct pl_result *r)
{
    free(r->events);
    free(r->samples);
    r->events = NULL;
    r->samples = NULL;
}

#endif
