/* ThreadSanitizer driver for exercise 3.3: a few sums, checked. */
#include "mix.h"
#include "reduction.h"

#include <stdio.h>

int main(void)
{
    enum { N = 300000 };
    uint64_t want = 0;
    for (uint64_t i = 0; i < N; i++)
        want += mix64(i);
    for (int t = 2; t <= 4; t++) {
        uint64_t got = sum_mix(N, t);
        if (got != want) {
            printf("sum_mix(%d, %d) returned %#llx, not %#llx\n", N, t,
                   (unsigned long long)got, (unsigned long long)want);
            return 1;
        }
    }
    return 0;
}
