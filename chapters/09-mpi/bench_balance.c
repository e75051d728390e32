/* bench_balance.c: how evenly each split spreads the work, with one rank
 * per core (plots/09-mpi/balance.dat).
 *
 * The same jobs as bench_splits.c (this file includes it), at one rank
 * per core: for each split, the wall time, and the time the busiest and
 * the idlest rank spent counting, and the CPU time the idlest rank used
 * all the same: Open MPI waits for a message by polling for it. */
#define SPLITS_NO_MAIN
#include "bench_splits.c"

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "run") == 0)
        return job(argc, argv);
    int quick = quick_mode(), ranks = usable_cores(), runs = quick ? 1 : 3;
    uint64_t n = quick ? 200000 : 5000000;
    print_machine(stdout);
    printf("# primes below %llu on %d ranks, median of %d jobs; work: the "
           "time a rank spent counting\n", (unsigned long long)n, ranks, runs);
    printf("# columns: split ranks wall_(s) busiest_rank_(s) idlest_rank_(s) "
           "idlest_rank_CPU_(s)\n");
    for (int s = 0; s < 3; s++) {
        struct result r = measure(self_path(), splits[s], ranks, n, runs);
        printf("%-14s %5d %8.3f %9.3f %9.3f %9.3f\n", splits[s], ranks, r.wall,
               r.most, r.least, r.least_cpu);
        fflush(stdout);
    }
    return 0;
}
