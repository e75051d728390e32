/* Mutant of exercise 3.3 (grader trust, class 2): sequential, and a
 * gr_judge_speedup() of its own that would replace the grader's judge
 * and approve anything.
 * must be refused: `gr_judge_speedup` is defined globally */
#include "reduction.h"

#include "mix.h"

int gr_judge_speedup(void);
int gr_judge_speedup(void)
{
    return 1;
}

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
