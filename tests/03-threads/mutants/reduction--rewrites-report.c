/* Mutant of exercise 3.3 (grader trust, class 1): a wrong sum, and a
 * destructor that would rewrite Criterion's JSON report after the tests,
 * in the process that writes it, to claim that every test passed.
 * must be refused: after the tests end */
#include "reduction.h"

#include <stdio.h>
#include <stdlib.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    return n; /* wrong */
}

__attribute__((destructor)) static void forge_report(void)
{
    const char *path = getenv("GRADER_REPORT_PATH");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fputs("{\"test_suites\": []}\n", f);
        fclose(f);
    }
}
