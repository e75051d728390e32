/* ThreadSanitizer driver for exercise 7.1: one small pipeline run, with
 * more workers than connections, and its counts checked. */
#define _GNU_SOURCE
#include "itemserver.h"
#include "overlap.h"

int main(void)
{
    enum { N = 16 };
    uint64_t lo[N], hi[N];
    for (int i = 0; i < N; i++) {
        lo[i] = 1000000 + (uint64_t)i * 7919;
        hi[i] = lo[i] + 2000;
    }
    struct item_server s;
    if (item_server_start(&s, 2, N, lo, hi) != 0) { /* before any thread */
        printf("the driver could not start its item server\n");
        return 1;
    }
    const char *reqs[N];
    char text[N][16];
    long counts[N];
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof text[i], "item %d", i);
        reqs[i] = text[i];
    }
    int rc = overlap_run(s.port, reqs, N, 3, 4, counts);
    item_server_stop(&s);
    if (rc != 0) {
        printf("overlap_run(16 items, 3 connections, 4 workers) returned %d\n", rc);
        return 1;
    }
    for (int i = 0; i < N; i++)
        if (counts[i] != count_primes(lo[i], hi[i])) {
            printf("overlap_run(): counts[%d] is %ld, not %ld\n", i, counts[i],
                   count_primes(lo[i], hi[i]));
            return 1;
        }
    return 0;
}
