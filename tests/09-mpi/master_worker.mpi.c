/* The MPI driver of exercise 9.1's tests: every rank runs this program
 * under mpirun, and grader/mpijob.c reads what rank 0 prints.
 *   count LO HI CHUNK [LO HI CHUNK ...]   one call per triple, in order
 *   speedup LO HI CHUNK ROUNDS            the calibrated speedup rounds */
#include "harness.h"
#include "master_worker.h"
#include "primes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
    uint64_t lo, hi, chunk;
};

static void sequential(void *arg, void *out)
{
    struct job *j = arg;
    *(long *)out = count_primes(j->lo, j->hi);
}

static void parallel(void *arg, void *out)
{
    struct job *j = arg;
    *(long *)out = mw_count_primes(j->lo, j->hi, j->chunk);
}

static struct job job_at(char **argv)
{
    return (struct job){ strtoull(argv[0], NULL, 10), strtoull(argv[1], NULL, 10),
                         strtoull(argv[2], NULL, 10) };
}

int main(int argc, char **argv)
{
    int rank = grh_init(&argc, &argv);
    char what[160];
    if (argc >= 5 && strcmp(argv[1], "count") == 0) {
        for (int i = 2; i + 2 < argc; i += 3) {
            struct job j = job_at(argv + i);
            snprintf(what, sizeof what, "mw_count_primes(%llu, %llu, %llu)",
                     (unsigned long long)j.lo, (unsigned long long)j.hi,
                     (unsigned long long)j.chunk);
            grh_phase("in %s", what);
            long got = mw_count_primes(j.lo, j.hi, j.chunk);
            grh_settle(what);
            if (rank == 0)
                printf("count %llu %llu %llu %ld\n", (unsigned long long)j.lo,
                       (unsigned long long)j.hi, (unsigned long long)j.chunk, got);
            fflush(stdout);
        }
    } else if (argc == 6 && strcmp(argv[1], "speedup") == 0) {
        struct job j = job_at(argv + 2);
        snprintf(what, sizeof what, "mw_count_primes(%s, %s, %s)", argv[2],
                 argv[3], argv[4]);
        /* The kernel is handed out in as many chunks as the work. */
        int chunks = (int)((j.hi - j.lo + j.chunk - 1) / j.chunk);
        grh_speedup(&(struct grh_speedup){ sequential, parallel, &j, sizeof(long),
                                           atoi(argv[5]), what, chunks });
    } else if (rank == 0) {
        fprintf(stderr, "usage: %s count LO HI CHUNK... | speedup LO HI CHUNK "
                "ROUNDS\n", argv[0]);
    }
    grh_finish();
}
