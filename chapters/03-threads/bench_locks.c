/* bench_locks.c: what a mutex costs, and why.  A glibc mutex is a futex:
 * an integer in user space that lock and unlock change with one atomic
 * instruction, and a futex() system call only when a thread must sleep
 * (or wake a sleeper).  So an uncontended lock costs an atomic, and a
 * contended one costs system calls and context switches, which the
 * kernel counts (getrusage(): every thread of the process).
 * Output: plots/03-threads/locks.dat; QUICK=1 runs a small version. */
#include "run_note.h"
#include "timing.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>

enum { ROUNDS = 5 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter; /* guarded by lock */

struct share {
    long n;
    int hold; /* extra work inside the lock: 0, or a few hundred ns */
};

static volatile unsigned sink;

// [snippet loop]
static void *locker(void *arg)
{
    long n = ((struct share *)arg)->n;
    for (long i = 0; i < n; i++) {
        pthread_mutex_lock(&lock); /* an atomic exchange if the lock is free */
        counter++;
        for (int k = 0; k < ((struct share *)arg)->hold; k++)
            sink = sink * 31 + (unsigned)k; /* a longer critical section */
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}
// [end loop]

static long switches(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* ns per lock/unlock pair, and context switches per 1000 pairs, for
 * `threads` threads sharing `total` pairs. */
static void run(int threads, int hold, long total, double *ns, double *sw)
{
    pthread_t t[2];
    struct share s = { total / threads, hold };
    long s0 = switches();
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, locker, &s);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    *ns = (now_s() - t0) * 1e9 / total;
    *sw = (switches() - s0) * 1000.0 / total;
}

int main(void)
{
    long total = quick_mode() ? 200000 : 20000000;
    static const struct { const char *name; int threads, hold; } cases[] = {
        { "uncontended", 1, 0 }, { "contended", 2, 0 },
        { "uncontended_long_hold", 1, 100 }, { "contended_long_hold", 2, 100 },
    };
    double ns[4][ROUNDS], sw[4][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) /* interleaved: all see the same load */
        for (int k = 0; k < 4; k++)
            run(cases[k].threads, cases[k].hold, cases[k].hold ? total / 20 : total,
                &ns[k][r], &sw[k][r]);
    print_machine(stdout);
    print_run(stdout, "build/demo/03-threads/bench_locks");
    printf("# %ld lock/unlock pairs per round (a twentieth of that with the "
           "long hold: 100 multiply-adds inside the lock)\n", total);
    printf("# columns: case threads ns_per_lock switches_per_1000_locks\n");
    for (int k = 0; k < 4; k++)
        printf("%s %d %.1f %.3f\n", cases[k].name, cases[k].threads,
               median(ns[k], ROUNDS), median(sw[k], ROUNDS));
    return 0;
}
