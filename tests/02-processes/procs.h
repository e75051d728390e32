/* procs.h: what the chapter 2 tests share. */
#ifndef TEST_PROCS_H
#define TEST_PROCS_H

#include "grader.h"
#include "primes.h"
#include "timing.h"

#include <stdio.h>

/* An even range: far from zero every slice of it costs about the same
 * (measured: a static split into 2 to 16 slices is balanced within 3%),
 * so a speedup test on it judges parallelism, not load balancing.
 * Counting it takes about 0.1 s on one core, under AddressSanitizer; the
 * judge's rounds are timed against a kernel sized to it, so a longer
 * range only made each verdict longer (docs/data/fairness-half-ref.dat:
 * 200,000 numbers before). */
#define EVEN_LO 100000000ULL
#define EVEN_HI 100100000ULL

/* The even range's start for this run, from its seed: up to 10,000,000
 * past EVEN_LO, where a slice costs at most about 5% more. */
static inline unsigned long long seeded_even_lo(void)
{
    return EVEN_LO + gr_seed() % 10000 * 1000ULL;
}

/* Workers for the speedup tests: every usable core, within reason. */
static inline int test_workers(void)
{
    int c = usable_cores();
    return c < 2 ? 2 : c > 8 ? 8 : c;
}

/* Before a speedup test measures anything, one run in a tight sandbox
 * (a fork cap of max_forks, a short timeout): a fork loop, a leftover
 * child or a wrong answer fails here with its own sentence, instead of
 * running under the speedup judge's much larger fork cap. */
static inline void precheck(gr_fn fn, void *arg, long want, int max_forks,
                            const char *what)
{
    long got = -2;
    struct gr_limits lim = { .timeout_s = 5, .max_forks = max_forks };
    struct gr_run r = gr_run_fn(fn, arg, &got, sizeof got, &lim);
    gr_assert_clean(r, what);
    cr_assert_eq(got, want, "%s should be %ld, got %ld", what, want, got);
}

/* The sequential reference for the speedup judge: count_primes() on
 * [range[0], range[1]) in one process. */
static inline void count_sequential(void *arg, void *out)
{
    const unsigned long long *range = arg;
    *(long *)out = count_primes(range[0], range[1]);
}

#endif
