/* bench_backpressure.c: a pool slower than the I/O, with and without a
 * bound.
 *
 * 400 items of about 1 KB each arrive fast (32 connections, 10 ms a
 * reply: up to 3,200 items a second) while the pool counts about 400 a
 * second.  Without a bound, every fetched item waits in the pool's queue;
 * with a bound of 16, the loop stops fetching while the pool is full.  A
 * timer on the loop samples the pool every 10 ms.
 *
 * Output: plots/08-combining/backpressure.dat (drawn by backpressure.gp). */
#include "pipeline.h"
#include "slow_server.h"

#include <stdio.h>

static struct pl_result run(struct pl_config c)
{
    struct pl_result r;
    if (pl_run(&c, &r) != 0) {
        fprintf(stderr, "bench_backpressure: a run failed\n");
        exit(1);
    }
    return r;
}

int main(void)
{
    int quick = quick_mode();
    struct slow_server srv;
    if (slow_server_start(&srv, 10) != 0)
        return 1;
    struct pl_config c = { .port = srv.port, .items = quick ? 100 : 400, .conns = 32,
                           .workers = usable_cores(), .base = 4000000, .width = 15000,
                           .pad = 900, .sample_ms = 10 };
    struct pl_result open = run(c);
    c.capacity = 16;
    struct pl_result bounded = run(c);
    slow_server_stop(&srv);
    print_machine(stdout);
    printf("# %d items of ~1 KB, %d connections, 10 ms a reply, %d workers; sampled "
           "every 10 ms\n", c.items, c.conns, c.workers);
    printf("# unbounded: %.3f s, at most %zu items and %zu KB held; bounded (16): "
           "%.3f s, at most %zu items and %zu KB held\n", open.wall, open.max_in_pool,
           open.max_bytes / 1024, bounded.wall, bounded.max_in_pool,
           bounded.max_bytes / 1024);
    printf("# columns: time_(s) unbounded_items unbounded_KB bounded_items bounded_KB\n");
    int n = open.nsamples > bounded.nsamples ? open.nsamples : bounded.nsamples;
    for (int i = 0; i < n; i++) {
        struct pl_sample z = { 0 };
        struct pl_sample *a = i < open.nsamples ? &open.samples[i] : &z;
        struct pl_sample *b = i < bounded.nsamples ? &bounded.samples[i] : &z;
        double t = i < open.nsamples ? a->t : b->t;
        printf("%.3f %zu %.1f %zu %.1f\n", t, a->in_pool, a->bytes / 1024.0,
               b->in_pool, b->bytes / 1024.0);
    }
    pl_result_free(&open);
    pl_result_free(&bounded);
    return 0;
}
