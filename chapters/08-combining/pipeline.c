/* pipeline.c: overlap slow I/O with CPU work, and see that it pays.
 *
 * 64 items wait on the slow server (50 ms a reply, 8 connections: about
 * 0.4 s of pure waiting), and each is sized so that counting all of them
 * on every core also takes about 0.4 s.  The same items run four
 * ways: fetched only, counted only, fetched all and then counted all, and
 * through the pipeline, where the pool counts while the loop fetches. */
#include "pipeline.h"
#include "slow_server.h"

#include <stdio.h>

static double run(const char *name, struct pl_config c, long *total)
{
    struct pl_result r;
    if (pl_run(&c, &r) != 0) {
        fprintf(stderr, "pipeline: the %s run failed\n", name);
        exit(1);
    }
    printf("  %-28s %6.3f s", name, r.wall);
    if (!c.no_cpu)
        printf("   %ld primes", r.total);
    printf("\n");
    if (total && !c.no_cpu)
        *total = r.total;
    pl_result_free(&r);
    return r.wall;
}

int main(void)
{
    int quick = quick_mode(), cores = usable_cores();
    double delay = quick ? 20 : 50;
    struct slow_server srv;
    if (slow_server_start(&srv, delay) != 0) {
        perror("slow_server_start");
        return 1;
    }
    // [snippet config]
    struct pl_config c = {
        .port = srv.port,
        .items = quick ? 16 : 64,    /* 64 items ...                        */
        .conns = 8,                  /* ... fetched over 8 connections ...  */
        .workers = cores,            /* ... counted on every core           */
        .base = 4000000, .width = 40000,
    };
    // [end config]
    pl_calibrate(&c, (double)c.items / c.conns * delay / 1e3); /* CPU = I/O */
    printf("%d items, %d connections, %.0f ms per reply, %d workers\n",
           c.items, c.conns, delay, c.workers);
    long t_seq = 0, t_pipe = 0;
    struct pl_config io = c, cpu = c, seq = c;
    io.no_cpu = 1;
    cpu.no_io = 1;
    seq.io_first = 1;
    double t_io = run("I/O alone", io, NULL);
    double t_cpu = run("CPU alone (every core)", cpu, NULL);
    double t_s = run("all I/O, then all CPU", seq, &t_seq);
    double t_p = run("pipeline (overlapped)", c, &t_pipe);
    slow_server_stop(&srv);
    double bound = t_io > t_cpu ? t_io : t_cpu;
    printf("max(I/O, CPU) = %.3f s, sum = %.3f s; the pipeline took %.2fx the max, "
           "the sequential version %.2fx\n", bound, t_io + t_cpu, t_p / bound,
           t_s / bound);
    if (t_seq != t_pipe) {
        fprintf(stderr, "pipeline: the two versions disagree (%ld, %ld)\n", t_seq, t_pipe);
        return 1;
    }
    return 0;
}
