/* The MPI driver of exercise 9.2's tests: every rank runs this program
 * under mpirun, and grader/mpijob.c reads what rank 0 prints.
 *   gaps LO HI [LO HI ...]    one call per pair; only rank 0 is given it
 *   speedup LO HI ROUNDS      the calibrated speedup rounds
 * Rank 0 prints "gaps LO HI" and then "gap:count" for each non-zero bin. */
#include "gaps_ref.h"
#include "harness.h"
#include "prime_gaps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
    uint64_t lo, hi;
};

static int rank;

static void sequential(void *arg, void *out)
{
    struct job *j = arg;
    gaps_reference(j->lo, j->hi, out);
}

/* Like the tests, only rank 0 knows the range. */
static void parallel(void *arg, void *out)
{
    struct job *j = arg;
    mpi_prime_gaps(rank == 0 ? j->lo : 0, rank == 0 ? j->hi : 0, out);
}

static void print_hist(const struct job *j, const long *hist)
{
    printf("gaps %llu %llu", (unsigned long long)j->lo, (unsigned long long)j->hi);
    for (int g = 0; g < GAP_BINS; g++)
        if (hist[g])
            printf(" %d:%ld", g, hist[g]);
    printf("\n");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    rank = grh_init(&argc, &argv);
    static long hist[GAP_BINS];
    char what[160];
    if (argc >= 4 && strcmp(argv[1], "gaps") == 0) {
        for (int i = 2; i + 1 < argc; i += 2) {
            struct job j = { strtoull(argv[i], NULL, 10),
                             strtoull(argv[i + 1], NULL, 10) };
            snprintf(what, sizeof what, "mpi_prime_gaps(%llu, %llu, hist)",
                     (unsigned long long)j.lo, (unsigned long long)j.hi);
            grh_phase("in %s", what);
            memset(hist, 0, sizeof hist);
            parallel(&j, hist);
            grh_settle(what);
            if (rank == 0)
                print_hist(&j, hist);
        }
    } else if (argc == 5 && strcmp(argv[1], "speedup") == 0) {
        struct job j = { strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10) };
        snprintf(what, sizeof what, "mpi_prime_gaps(%s, %s, hist)", argv[2], argv[3]);
        /* Blocks and a few collectives: the kernel in equal shares. */
        grh_speedup(&(struct grh_speedup){ sequential, parallel, &j, sizeof hist,
                                           atoi(argv[4]), what, 0 });
    } else if (rank == 0) {
        fprintf(stderr, "usage: %s gaps LO HI... | speedup LO HI ROUNDS\n", argv[0]);
    }
    grh_finish();
}
