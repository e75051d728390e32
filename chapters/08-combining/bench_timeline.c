/* bench_timeline.c: one run of the pipeline, bar by bar.
 *
 * 32 items, 8 connections, 50 ms a reply, counted on every core, each
 * item sized so that the counting takes about as long as the waiting.  Each
 * row is one bar of the timeline: a fetch on a connection's lane (from
 * the request to the reply) or a count on a worker's lane.
 *
 * Output: plots/08-combining/timeline.dat (drawn by timeline.gp). */
#include "pipeline.h"
#include "slow_server.h"

#include <stdio.h>

int main(void)
{
    int quick = quick_mode();
    struct slow_server srv;
    if (slow_server_start(&srv, quick ? 20 : 50) != 0)
        return 1;
    struct pl_config c = { .port = srv.port, .items = quick ? 8 : 32, .conns = 8,
                           .workers = usable_cores(), .base = 4000000, .width = 40000 };
    double io_s = (double)c.items / c.conns * (quick ? 0.020 : 0.050);
    pl_calibrate(&c, 0.9 * io_s); /* the CPU share about matches the I/O share */
    struct pl_result r;
    int rc = pl_run(&c, &r);
    slow_server_stop(&srv);
    if (rc != 0)
        return 1;
    print_machine(stdout);
    printf("# %d items, %d connections (lanes 0-%d), %d workers (lanes %d-%d); "
           "wall %.3f s, %ld primes\n", c.items, c.conns, c.conns - 1, c.workers,
           c.conns, c.conns + c.workers - 1, r.wall, r.total);
    printf("# columns: lane kind_(0_fetch,1_count) start_(s) end_(s) item\n");
    for (int i = 0; i < r.nevents; i++) {
        struct pl_event *e = &r.events[i];
        printf("%d %d %.4f %.4f %d\n", e->lane, e->kind == 'C', e->t0, e->t1, e->item);
    }
    pl_result_free(&r);
    return 0;
}
