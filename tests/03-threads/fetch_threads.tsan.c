/* ThreadSanitizer driver for exercise 3.2: 30 requests on 4 threads to a
 * fast slow server, then 8 requests on 8 threads, replies checked.  In
 * the second run every thread starts with a request to take at once, so
 * the threads meet on the shared "next request" from their first step,
 * and they write neighbouring replies at the same moment. */
#include "fetch_threads.h"

#include <stdio.h>
#include <string.h>

enum { N = 30 };

static int run(int port, int n, int nthreads)
{
    static char buf[N][32], replies[N][SLOW_MAX_LINE];
    const char *lines[N];
    for (int i = 0; i < n; i++) {
        snprintf(buf[i], sizeof buf[i], "line %d of %d", i, n);
        lines[i] = buf[i];
    }
    int failed = fetch_threads(port, lines, n, replies, nthreads);
    for (int i = 0; i < n; i++)
        if (strcmp(replies[i], lines[i]) != 0) {
            printf("fetch_threads(%d requests, %d threads): replies[%d] is "
                   "\"%s\", not \"%s\"\n", n, nthreads, i, replies[i], lines[i]);
            return 1;
        }
    if (failed)
        printf("fetch_threads(%d requests, %d threads) returned %d\n", n,
               nthreads, failed);
    return failed != 0;
}

int main(void)
{
    struct slow_server s;
    if (slow_server_start(&s, 2) != 0) {
        printf("could not start the slow server\n");
        return 1;
    }
    int bad = run(s.port, N, 4) || run(s.port, 8, 8);
    slow_server_stop(&s);
    return bad;
}
