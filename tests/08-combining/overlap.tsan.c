/* ThreadSanitizer driver for exercise 8.1: two small pipeline runs, and
 * their counts checked: more workers than connections (workers wait
 * together on an empty queue while replies arrive), then more
 * connections than workers (replies pile up while the one worker
 * counts), so the queue's put and get meet from both sides. */
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
    static const int shape[2][2] = { { 3, 4 }, { 4, 1 } }; /* conns, workers */
    for (int k = 0; k < 2; k++) {
        int rc = overlap_run(s.port, reqs, N, shape[k][0], shape[k][1], counts);
        if (rc != 0) {
            printf("overlap_run(16 items, %d connections, %d workers) returned %d\n",
                   shape[k][0], shape[k][1], rc);
            item_server_stop(&s);
            return 1;
        }
        for (int i = 0; i < N; i++)
            if (counts[i] != count_primes(lo[i], hi[i])) {
                printf("overlap_run(16 items, %d connections, %d workers): counts[%d] "
                       "is %ld, not %ld\n", shape[k][0], shape[k][1], i, counts[i],
                       count_primes(lo[i], hi[i]));
                item_server_stop(&s);
                return 1;
            }
    }
    item_server_stop(&s);
    return 0;
}
