/* ThreadSanitizer driver for exercise 7.2: a small mixed batch, results
 * checked.  The kinds are sized so that they run at the same time, as
 * the contract asks: the CPU jobs (tens of ms each under TSan) are still
 * counting while the slow replies (30 ms) and the fast ones come back,
 * so whatever the CPU side and the I/O side share is touched by both at
 * once, and results are written while others are still being made. */
#include "mixed.h"

#include "primes.h"
#include "slow_server.h"

#include <stdio.h>

enum { N = 16 };

int main(void)
{
    struct slow_server fast, slow;
    if (slow_server_start(&fast, 1) != 0 || slow_server_start(&slow, 30) != 0) {
        printf("could not start the slow servers\n");
        return 1;
    }
    struct job jobs[N];
    for (int i = 0; i < N; i++) {
        if (i < 4)
            jobs[i] = (struct job){ .kind = JOB_CPU, .lo = 1000000u + 250000u * (unsigned)i,
                                    .hi = 1250000u + 250000u * (unsigned)i };
        else if (i < 6)
            jobs[i] = (struct job){ .kind = JOB_FAST_IO, .port = fast.port, .requests = 5 };
        else
            jobs[i] = (struct job){ .kind = JOB_SLOW_IO, .port = slow.port, .requests = 1 };
        jobs[i].result = -1;
    }
    int rc = run_batch(jobs, N, 2);
    slow_server_stop(&fast);
    slow_server_stop(&slow);
    for (int i = 0; i < N; i++) {
        long want = jobs[i].kind == JOB_CPU ? count_primes(jobs[i].lo, jobs[i].hi)
                                            : jobs[i].requests;
        if (jobs[i].result != want) {
            printf("jobs[%d].result is %ld, not %ld\n", i, jobs[i].result, want);
            return 1;
        }
    }
    return rc != 0;
}
