/* gaps_ref.h: the sequential prime-gap histogram that exercise 9.2 must
 * reproduce, shared by its tests and its MPI driver. */
#ifndef TEST_GAPS_REF_H
#define TEST_GAPS_REF_H

#include "prime_gaps.h"
#include "primes.h"

#include <string.h>

static inline void gaps_reference(uint64_t lo, uint64_t hi, long hist[GAP_BINS])
{
    memset(hist, 0, GAP_BINS * sizeof *hist);
    uint64_t prev = 0;
    for (uint64_t n = lo; n < hi; n++) {
        if (!is_prime(n))
            continue;
        if (prev)
            hist[n - prev < GAP_BINS - 1 ? n - prev : GAP_BINS - 1]++;
        prev = n;
    }
}

#endif
