/* bench_false_sharing.c: two threads, each incrementing its own counter;
 * only the distance between the two counters changes.  Nothing is shared
 * in the program's eyes; below 64 bytes the hardware shares a cache line.
 * Output: plots/03-threads/false_sharing.dat; QUICK=1 runs a small version. */
#include "timing.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

static alignas(4096) char arena[8192]; /* counters live at offsets in here */

struct counter {
    volatile uint64_t *slot; /* volatile: a real load and store each time */
    long n;
};

// [snippet increment]
static void *increment(void *arg)
{
    struct counter *c = arg;
    for (long i = 0; i < c->n; i++)
        (*c->slot)++; /* only this thread ever touches *slot */
    return NULL;
}
// [end increment]

/* Nanoseconds per increment with `threads` threads whose counters sit
 * `distance` bytes apart (median of `runs`). */
static double per_increment(int threads, int distance, long n, int runs)
{
    double t[9];
    for (int r = 0; r < runs; r++) {
        pthread_t tid[2];
        struct counter c[2];
        double t0 = now_s();
        for (int i = 0; i < threads; i++) {
            c[i] = (struct counter){ (volatile uint64_t *)(arena + i * distance), n };
            pthread_create(&tid[i], NULL, increment, &c[i]);
        }
        for (int i = 0; i < threads; i++)
            pthread_join(tid[i], NULL);
        t[r] = (now_s() - t0) * 1e9 / (double)n;
    }
    return median(t, runs);
}

int main(void)
{
    int quick = quick_mode();
    long n = quick ? 200000 : 50000000;
    int runs = quick ? 1 : 5;
    print_machine(stdout);
    print_conditions(stdout, "build/demo/03-threads/bench_false_sharing");
    printf("# columns: distance_(bytes) ns_per_increment slowdown\n");
    per_increment(2, 64, n, 1); /* warm up: page in the arena, wake the cores */
    double alone = per_increment(1, 0, n, runs);
    printf("# one thread alone: %.2f ns per increment\n", alone);
    for (int d = 8; d <= 512; d *= 2) {
        double ns = per_increment(2, d, n, runs);
        printf("%d %.2f %.2f\n", d, ns, ns / alone);
        fflush(stdout);
    }
    return 0;
}
