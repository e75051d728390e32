/* bench_amdahl.c: the measured speedup of prime counting on 1 to 2 x cores
 * threads, with the serial fraction Karp-Flatt reads off each point.
 * Output: plots/01-cpu-or-io/amdahl.dat; QUICK=1 runs a small version. */
#include "primes.h"
#include "timing.h"

#include <stdio.h>

static double karp_flatt(double s, int n)
{
    return n < 2 ? 0 : (1 / s - 1.0 / n) / (1 - 1.0 / n);
}

// [snippet measure]
/* Median of `runs` timings of counting primes below n on `threads`. */
static double time_primes(uint64_t n, int threads, int runs)
{
    double t[9];
    for (int i = 0; i < runs; i++) {
        double start = now_s();
        count_primes_threads(0, n, threads, 10000);
        t[i] = now_s() - start;
    }
    return median(t, runs);
}
// [end measure]

int main(void)
{
    int quick = quick_mode(), cores = usable_cores();
    uint64_t n = quick ? 300000 : 5000000;
    int runs = quick ? 1 : 5, max = quick ? 2 : 2 * cores;
    print_machine(stdout);
    printf("# columns: workers seconds speedup efficiency karp_flatt\n");
    double t1 = time_primes(n, 1, runs);
    for (int w = 1; w <= max; w++) {
        double tw = w == 1 ? t1 : time_primes(n, w, runs);
        double s = t1 / tw;
        printf("%d %.4f %.3f %.3f %.4f\n", w, tw, s, s / w, karp_flatt(s, w));
        fflush(stdout);
    }
    return 0;
}
