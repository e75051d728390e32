/* contention.c: do two cores of this machine slow each other down?
 *
 *     build/bin/contention > docs/data/contention.dat
 *
 * The speedup judge (grader/speedup.c) calibrates with a chain of
 * multiplications, each waiting for the last.  Two vCPUs of a virtual
 * machine can be the two hardware threads of one physical core, at some
 * moments and not others; work that keeps the core's multipliers busy
 * then slows when both run, where the chain mostly does not.  This
 * measures it: for each kind of work, the same loop once alone and then
 * on two threads at once, many times, and the ratio of the times (1: no
 * slowdown).  The kinds: the judge's chain, a sum of mix64() as in
 * exercise 3.3, and trial division as in the prime counts.  The judge's
 * second kernel (gr_speedup.kernel_step) exists because of the middle
 * row; docs/instructors.md quotes this file. */
#define _GNU_SOURCE
#include "mix.h"
#include "timing.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { SAMPLES = 60, MAX_SAMPLES = 200 };

static void *chain(void *arg)
{
    uint64_t x = 1;
    for (long i = 0; i < 40000000; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    *(uint64_t *)arg = x;
    return NULL;
}

static void *mix_sum(void *arg)
{
    uint64_t s = 0;
    for (uint64_t i = 0; i < 40000000; i++)
        s += mix64(i);
    *(uint64_t *)arg = s;
    return NULL;
}

static void *division(void *arg)
{
    uint64_t primes = 0;
    for (uint64_t n = 1000000; n < 1150000; n++) {
        int prime = 1;
        for (uint64_t d = 2; d * d <= n && prime; d++)
            prime = n % d != 0;
        primes += (uint64_t)prime;
    }
    *(uint64_t *)arg = primes;
    return NULL;
}

/* Time on two threads at once over time alone, for one sample. */
static double ratio(void *(*work)(void *))
{
    uint64_t out[2];
    double t0 = now_s();
    work(&out[0]);
    double alone = now_s() - t0;
    pthread_t a, b;
    t0 = now_s();
    if (pthread_create(&a, NULL, work, &out[0]) || pthread_create(&b, NULL, work, &out[1]))
        exit(1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return (now_s() - t0) / alone;
}

static double quantile(double *v, int n, double q)
{
    for (int i = 1; i < n; i++) /* insertion sort: n is small */
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1], v[j - 1] = t;
        }
    return v[(int)(q * (n - 1) + 0.5)];
}

int main(void)
{
    struct { const char *name; void *(*work)(void *); double r[MAX_SAMPLES]; } kinds[] = {
        { "chain_(the_judge's_kernel)", chain, { 0 } },
        { "mix64_sum_(exercise_3.3)", mix_sum, { 0 } },
        { "trial_division_(primes)", division, { 0 } },
    };
    int n = quick_mode() ? 6 : SAMPLES;
    for (int s = 0; s < n; s++) /* interleaved: the moments are shared */
        for (int k = 0; k < 3; k++)
            kinds[k].r[s] = ratio(kinds[k].work);
    print_machine(stdout);
    printf("# each sample: one loop alone, then the same loop on two threads at once; "
           "ratio = time of the two / time alone (1: no slowdown); %d samples per kind, "
           "interleaved; measured by tools/contention.c\n", n);
    printf("# columns: work median_ratio p90_ratio max_ratio share_over_1.25\n");
    for (int k = 0; k < 3; k++) {
        int over = 0;
        for (int s = 0; s < n; s++)
            over += kinds[k].r[s] > 1.25;
        double med = quantile(kinds[k].r, n, 0.5), p90 = quantile(kinds[k].r, n, 0.9);
        printf("%-28s %6.2f %6.2f %6.2f %6.2f\n", kinds[k].name, med, p90,
               kinds[k].r[n - 1], (double)over / n);
    }
    return 0;
}
