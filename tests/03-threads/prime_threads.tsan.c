/* ThreadSanitizer driver for exercise 3.1: count a range with a few
 * threads, twice, and check the answer. */
#include "prime_threads.h"

#include <stdio.h>

int main(void)
{
    long per_thread[PT_MAX_THREADS];
    for (int t = 2; t <= 4; t += 2) {
        long got = count_primes_parallel(0, 200000, t, per_thread);
        if (got != 17984) {
            printf("count_primes_parallel(0, 200000, %d) returned %ld, not 17984\n",
                   t, got);
            return 1;
        }
    }
    return 0;
}
