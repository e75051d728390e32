/* Mutant of exercise 3.3 (grader trust, class 1): a constructor that ends
 * the test program with status 0 before any test runs, so that no test
 * can fail.
 * must be refused: before the tests start */
#include "reduction.h"

#include <unistd.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    return n; /* wrong */
}

__attribute__((constructor)) static void leave_early(void)
{
    _exit(0);
}
