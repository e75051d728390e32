/* Tests for exercise 9.1.  The learner's code runs in a separate MPI
 * program (master_worker.mpi.c, under mpirun); these tests start it,
 * read what rank 0 printed, and compare with count_primes() here. */
#include "grader.h"
#include "mpijob.h"
#include "primes.h"
#include "timing.h"

#include <stdio.h>
#include <string.h>

/* lo hi chunk, several per job: an empty range, ranges shorter than a
 * chunk, chunks that do not divide the range, a range of one prime. */
static const char *const RANGES =
    "0 100000 1000 "
    "0 0 5 "
    "2 3 7 "
    "0 2 1 "
    "10 11 3 "
    "999990 1000100 13 "
    "1 50000 4999 "
    "123456 345678 20000";

static void check_counts(int ranks)
{
    char args[512], what[64];
    snprintf(args, sizeof args, "count %s", RANGES);
    snprintf(what, sizeof what, "mw_count_primes() on %d rank%s", ranks,
             ranks > 1 ? "s" : "");
    struct gr_mpi_run r = gr_mpirun(ranks, args, 8);
    gr_assert_mpi_clean(r, what);
    const char *p = RANGES;
    unsigned long long lo, hi, chunk;
    int used;
    while (sscanf(p, "%llu %llu %llu %n", &lo, &hi, &chunk, &used) == 3) {
        p += used;
        char key[96];
        long got;
        int n = snprintf(key, sizeof key, "count %llu %llu %llu ", lo, hi, chunk);
        const char *line = strstr(r.out, key);
        cr_assert(line && sscanf(line + n, "%ld", &got) == 1,
                  "%s: rank 0 printed no result for mw_count_primes(%llu, "
                  "%llu, %llu)", what, lo, hi, chunk);
        long want = count_primes(lo, hi);
        cr_assert_eq(got, want, "%s: mw_count_primes(%llu, %llu, %llu) "
                     "returned %ld on rank 0; the right count of primes in [%llu, "
                     "%llu) is %ld", what, lo, hi, chunk, got, lo, hi, want);
    }
}

Test(master_worker, one_rank_counts_alone)
{
    check_counts(1);
}

Test(master_worker, two_ranks)
{
    check_counts(2);
}

Test(master_worker, three_ranks_oversubscribed)
{
    check_counts(3);
}

Test(master_worker, four_ranks_oversubscribed)
{
    check_counts(4);
}

/* One rank per core, and an even number of them (at most 4): with an
 * even number of ranks a static cyclic split hands every even number,
 * one division each, to half of the ranks, which is the lesson this test
 * holds learners to.  On 2 cores that is 2 ranks. */
static int speedup_ranks(void)
{
    int cores = usable_cores(), n = cores < 4 ? cores : 4;
    return n - n % 2 < 2 ? 2 : n - n % 2;
}

Test(speedup, master_worker_beats_one_rank)
{
    /* About 15 chunks per rank: enough to even the work out, few enough
     * that a busy machine's delays on each request stay small.  A
     * million numbers: about 0.1 s on one rank here (1,500,000 before:
     * docs/data/fairness-half-ref-mpi.dat). */
    enum { SPAN = 1000000 };
    int ranks = speedup_ranks();
    char args[96], what[128];
    /* The range starts up to 99,000 past 0, drawn from the run's seed. */
    unsigned long long lo = gr_seed() % 100 * 1000;
    snprintf(args, sizeof args, "speedup %llu %llu %d", lo, lo + SPAN, SPAN / (15 * ranks));
    snprintf(what, sizeof what, "mw_count_primes(%llu, %llu, %d) (seed %lu)", lo,
             lo + SPAN, SPAN / (15 * ranks), gr_seed());
    struct gr_mpi_speedup s = { .args = args, .ranks = ranks, .what = what,
                                .master = 1 };
    gr_assert_mpi_speedup(&s);
}
