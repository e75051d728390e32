/* bench_rwlock.c: read throughput of a reader-writer lock against a
 * mutex as the share of writes grows.  Every thread looks up a table of
 * 2048 numbers (a read) or changes one of them (a write) under the lock;
 * with a rwlock, readers may hold it at the same time.
 * Output: plots/03-threads/rwlock.dat; QUICK=1 runs a small version. */
#include "run_note.h"
#include "timing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 2, TABLE = 2048, ROUNDS = 5 };

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long table[TABLE];

struct job {
    int use_rw, write_pct;
    long ops, sum;
    unsigned seed;
};

static long read_table(void)
{
    long s = 0;
    for (int i = 0; i < TABLE; i++)
        s += table[i];
    return s;
}

// [snippet reader]
static void *worker(void *arg)
{
    struct job *j = arg;
    for (long i = 0; i < j->ops; i++) {
        int write = (int)(rand_r(&j->seed) % 100) < j->write_pct;
        if (j->use_rw && write)
            pthread_rwlock_wrlock(&rw); /* alone: waits for every reader */
        else if (j->use_rw)
            pthread_rwlock_rdlock(&rw); /* shared with other readers */
        else
            pthread_mutex_lock(&mu);    /* one thread at a time, always */
        if (write)
            table[i % TABLE]++;
        else
            j->sum += read_table();
        if (j->use_rw)
            pthread_rwlock_unlock(&rw);
        else
            pthread_mutex_unlock(&mu);
    }
    return NULL;
}
// [end reader]

static double run(int use_rw, int write_pct, long ops)
{
    pthread_t t[THREADS];
    struct job j[THREADS];
    double t0 = now_s();
    for (int i = 0; i < THREADS; i++) {
        j[i] = (struct job){ use_rw, write_pct, ops / THREADS, 0, 7u + (unsigned)i };
        pthread_create(&t[i], NULL, worker, &j[i]);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    return ops / (now_s() - t0) / 1e6; /* million operations per second */
}

int main(void)
{
    static const int pcts[] = { 0, 1, 10, 50 };
    long ops = quick_mode() ? 20000 : 400000;
    double mops[4][2][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) /* interleaved: all see the same load */
        for (int p = 0; p < 4; p++)
            for (int k = 0; k < 2; k++)
                mops[p][k][r] = run(k, pcts[p], ops);
    print_machine(stdout);
    print_run(stdout, "build/demo/03-threads/bench_rwlock");
    printf("# %d threads, %ld operations per round, a read adds up %d longs\n",
           THREADS, ops, TABLE);
    printf("# columns: write_pct mutex_Mops rwlock_Mops rwlock_vs_mutex\n");
    for (int p = 0; p < 4; p++) {
        double m = median(mops[p][0], ROUNDS), w = median(mops[p][1], ROUNDS);
        printf("%d %.2f %.2f %.2f\n", pcts[p], m, w, w / m);
    }
    return 0;
}
