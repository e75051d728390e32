/* Mutant of exercise 3.3 (grader trust, class 3): sequential, and an
 * entry in Criterion's test registry (its `cr_tst` section) that would
 * change what the test binary lists, so that the speedup suite, missing
 * from --list, would never run.
 * must be refused: a section of its own */
#include "reduction.h"

#include "mix.h"

__attribute__((section("cr_tst"), used)) static const void *hide_me = 0;

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
