/* bench_bounded.c: what the bound on the pool costs and saves.
 *
 * The backpressure setting of bench_backpressure (400 items of about 1 KB
 * arriving faster than the pool counts them), with no bound and with
 * bounds of 4 to 256 items.  For each: the wall time, the most items ever
 * in the pool, and the most item memory held at once.
 *
 * Output: plots/08-combining/bounded.dat. */
#include "pipeline.h"
#include "slow_server.h"

#include <stdio.h>

int main(void)
{
    int quick = quick_mode();
    struct slow_server srv;
    if (slow_server_start(&srv, 10) != 0)
        return 1;
    struct pl_config c = { .port = srv.port, .items = quick ? 100 : 400, .conns = 32,
                           .workers = usable_cores(), .base = 4000000, .width = 15000,
                           .pad = 900 };
    print_machine(stdout);
    printf("# %d items of ~1 KB, %d connections, 10 ms a reply, %d workers\n",
           c.items, c.conns, c.workers);
    printf("# columns: bound wall_(s) most_in_pool most_held_(KB)\n");
    size_t bounds[] = { 0, 4, 16, 64, 256 };
    for (int i = 0; i < 5; i++) {
        c.capacity = bounds[i];
        struct pl_result r;
        if (pl_run(&c, &r) != 0)
            return 1;
        if (bounds[i])
            printf("%zu", bounds[i]);
        else
            printf("none");
        printf(" %.3f %zu %zu\n", r.wall, r.max_in_pool, r.max_bytes / 1024);
        pl_result_free(&r);
    }
    slow_server_stop(&srv);
    return 0;
}
