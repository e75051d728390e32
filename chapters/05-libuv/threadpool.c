/* threadpool.c: uv_queue_work(), the loop's way to compute.
 *
 * Six prime counts go to libuv's thread pool while a 20 ms timer keeps
 * ticking on the loop: the loop never waits for the counts.  The pool has
 * four threads unless UV_THREADPOOL_SIZE says otherwise, so two counts
 * wait in its queue; one of those is cancelled with uv_cancel() and its
 * after-work callback says so.  Each count reports the pool thread it ran
 * on. */
#define _GNU_SOURCE
#include "primes.h"
#include "timing.h"

#include <stdio.h>
#include <unistd.h>
#include <uv.h>

// [snippet work]
struct count {
    uv_work_t req;       /* req.data unused: the struct is the request */
    uint64_t lo, hi;
    long primes;         /* written on the pool thread */
    int tid;             /* which pool thread ran it */
};

static void count_work(uv_work_t *req) /* on a pool thread */
{
    struct count *c = (struct count *)req;
    c->tid = gettid();
    c->primes = count_primes(c->lo, c->hi);
}

static int pending;
static uv_timer_t ticker;

static void count_done(uv_work_t *req, int status) /* on the loop thread */
{
    struct count *c = (struct count *)req;
    if (status == UV_ECANCELED)
        printf("  [%llu, %llu): cancelled before it started\n",
               (unsigned long long)c->lo, (unsigned long long)c->hi);
    else
        printf("  [%llu, %llu): %ld primes, counted by thread %d\n",
               (unsigned long long)c->lo, (unsigned long long)c->hi, c->primes, c->tid);
    if (--pending == 0)
        uv_timer_stop(&ticker); /* the loop runs out once nothing is left */
}
// [end work]

static void on_tick(uv_timer_t *t)
{
    int *ticks = t->data;
    ++*ticks;
}

int main(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    uint64_t span = quick_mode() ? 100000 : 1000000;
    struct count counts[6];
    int ticks = 0;
    uv_timer_init(&loop, &ticker);
    ticker.data = &ticks;
    uv_timer_start(&ticker, on_tick, 20, 20);
    printf("the loop thread is %d; six counts go to the pool\n", gettid());
    double t0 = now_s();
    for (int i = 0; i < 6; i++) {
        counts[i] = (struct count){ .lo = i * span, .hi = (i + 1) * span };
        uv_queue_work(&loop, &counts[i].req, count_work, count_done);
        pending++;
    }
    int err = uv_cancel((uv_req_t *)&counts[5].req); /* the last one is still queued */
    printf("uv_cancel(the sixth): %s\n", err ? uv_strerror(err) : "cancelled");
    uv_run(&loop, UV_RUN_DEFAULT);
    printf("the timer ticked %d times in %.0f ms meanwhile: the loop never waited\n",
           ticks, (now_s() - t0) * 1e3);
    uv_close((uv_handle_t *)&ticker, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop) == 0 ? 0 : 1;
}
