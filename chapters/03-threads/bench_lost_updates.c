/* bench_lost_updates.c: two threads add 1 to one shared counter, with no
 * synchronisation at all, and we count how many additions vanished.
 * Output: plots/03-threads/lost_updates.dat; QUICK=1 runs a small version.
 *
 * `volatile` forces a real load and store on every iteration, as a bigger
 * loop body would; without it the compiler folds the loop into a single
 * addition and the race, though still there, almost never shows. */
#include "timing.h"

#include <pthread.h>
#include <stdio.h>

// [snippet racy]
static volatile long counter; /* shared by every thread, guarded by nothing */

static void *add_ones(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++)
        counter++; /* load, add 1, store: three steps, not one */
    return NULL;
}
// [end racy]

static long run(int threads, long each)
{
    pthread_t tid[16];
    counter = 0;
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, add_ones, &each);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    return counter;
}

int main(void)
{
    int quick = quick_mode();
    long each = quick ? 100000 : 10000000;
    int trials = quick ? 1 : 3;
    print_machine(stdout);
    printf("# columns: threads trial additions final_value lost lost_(%%)\n");
    for (int threads = 1; threads <= 4; threads *= 2)
        for (int t = 1; t <= trials; t++) {
            long want = threads * each, got = run(threads, each);
            printf("%d %d %ld %ld %ld %.1f\n", threads, t, want, got,
                   want - got, 100.0 * (want - got) / want);
            fflush(stdout);
        }
    return 0;
}
