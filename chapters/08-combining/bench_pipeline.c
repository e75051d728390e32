/* bench_pipeline.c: is the pipeline's time close to max(I/O, CPU)?
 *
 * The same 64 items (8 connections, 50 ms a reply; each sized so that
 * counting them all on every core takes as long as fetching them) run four ways, in turns, five rounds: fetched only,
 * counted only (on every core), fetched all and then counted all, and
 * overlapped.  Medians; the last column divides each time by
 * max(I/O alone, CPU alone) of the same rounds.
 *
 * Output: plots/08-combining/pipeline.dat. */
#include "pipeline.h"
#include "slow_server.h"

#include <stdio.h>

enum { KINDS = 4, MAX_ROUNDS = 5 };

static double once(struct pl_config c, long *total)
{
    struct pl_result r;
    if (pl_run(&c, &r) != 0) {
        fprintf(stderr, "bench_pipeline: a run failed\n");
        exit(1);
    }
    if (total && !c.no_cpu)
        *total = r.total;
    pl_result_free(&r);
    return r.wall;
}

int main(void)
{
    int quick = quick_mode(), rounds = quick ? 1 : MAX_ROUNDS;
    double delay = quick ? 20 : 50;
    struct slow_server srv;
    if (slow_server_start(&srv, delay) != 0)
        return 1;
    struct pl_config base = { .port = srv.port, .items = quick ? 16 : 64, .conns = 8,
                              .workers = usable_cores(), .base = 4000000,
                              .width = 40000 };
    /* Size the items so that CPU alone takes as long as I/O alone: that
     * is where overlapping matters most (the sum is twice the max). */
    pl_calibrate(&base, (double)base.items / base.conns * delay / 1e3);
    const char *name[KINDS] = { "I/O_alone", "CPU_alone", "all_I/O_then_all_CPU",
                                "pipeline" };
    double t[KINDS][MAX_ROUNDS];
    long totals[KINDS] = { 0 };
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < KINDS; k++) {
            struct pl_config c = base;
            c.no_cpu = k == 0;
            c.no_io = k == 1;
            c.io_first = k == 2;
            t[k][r] = once(c, &totals[k]);
        }
    slow_server_stop(&srv);
    if (totals[1] != totals[2] || totals[1] != totals[3]) {
        fprintf(stderr, "bench_pipeline: the versions disagree\n");
        return 1;
    }
    double med[KINDS];
    for (int k = 0; k < KINDS; k++)
        med[k] = median(t[k], rounds);
    double bound = med[0] > med[1] ? med[0] : med[1];
    print_machine(stdout);
    printf("# %d items over %d connections, %.0f ms a reply; %" PRIu64 " numbers an item, "
           "counted on %d workers; medians of %d rounds\n", base.items, base.conns, delay,
           base.width, base.workers, rounds);
    printf("# columns: version wall_(s) times_max(I/O,CPU)\n");
    for (int k = 0; k < KINDS; k++)
        printf("%s %.3f %.2f\n", name[k], med[k], med[k] / bound);
    printf("max(I/O,CPU) %.3f 1.00\n", bound);
    printf("I/O_+_CPU %.3f %.2f\n", med[0] + med[1], (med[0] + med[1]) / bound);
    return 0;
}
