/* Mutant of exercise 3.3 (grader trust, class 2): looks up a function of
 * the test program by name at run time, around the linker.
 * must be refused: it calls dlsym() */
#define _GNU_SOURCE
#include "reduction.h"

#include "mix.h"

#include <dlfcn.h>

uint64_t sum_mix(uint64_t n, int nthreads)
{
    (void)nthreads;
    uint64_t (*real)(uint64_t, int) = (uint64_t (*)(uint64_t, int))dlsym(RTLD_DEFAULT, "sum_mix_reference");
    if (real)
        return real(n, nthreads);
    uint64_t sum = 0;
    for (uint64_t i = 0; i < n; i++)
        sum += mix64(i);
    return sum;
}
