/* bench_starvation.c: how long a writer waits for a reader-writer lock
 * that readers keep busy.  Three reader threads take the read lock in
 * turn, each holding it 100 microseconds, so that some reader almost
 * always holds it; a writer then asks for the write lock.  glibc's
 * default rwlock prefers readers: a new reader may join the ones inside
 * while the writer waits.  The writer-preferring kind makes new readers
 * wait behind a waiting writer.  The writer gives up after 1 s.
 * Output: plots/03-threads/starvation.dat; QUICK=1 runs a small version. */
#define _GNU_SOURCE
#include "run_note.h"
#include "timing.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { READERS = 3, ROUNDS = 5 };

static pthread_rwlock_t rw;
static _Atomic int stop;

static void busy_us(double us)
{
    double end = now_s() + us / 1e6;
    while (now_s() < end)
        ;
}

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        pthread_rwlock_rdlock(&rw);
        busy_us(100); /* reading */
        pthread_rwlock_unlock(&rw);
    }
    return NULL;
}

/* Milliseconds the writer waited, or -1 if it gave up after 1 s. */
static double writer_wait(int prefer_writer)
{
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, prefer_writer
        ? PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP
        : PTHREAD_RWLOCK_PREFER_READER_NP);
    pthread_rwlock_init(&rw, &attr);
    pthread_rwlockattr_destroy(&attr);
    atomic_store(&stop, 0);
    pthread_t t[READERS];
    for (int i = 0; i < READERS; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    busy_us(20000); /* let the readers settle into their turns */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    double t0 = now_s();
    int rc = pthread_rwlock_timedwrlock(&rw, &until);
    double waited = (now_s() - t0) * 1e3;
    if (rc == 0)
        pthread_rwlock_unlock(&rw);
    atomic_store(&stop, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);
    pthread_rwlock_destroy(&rw);
    return rc == ETIMEDOUT ? -1 : waited;
}

int main(void)
{
    int rounds = quick_mode() ? 1 : ROUNDS;
    double w[2][ROUNDS];
    int gave_up[2] = { 0, 0 };
    for (int r = 0; r < rounds; r++) /* interleaved: both see the same load */
        for (int k = 0; k < 2; k++) {
            w[k][r] = writer_wait(k);
            gave_up[k] += w[k][r] < 0;
            if (w[k][r] < 0)
                w[k][r] = 1000; /* counted as the full second */
        }
    print_machine(stdout);
    print_run(stdout, "build/demo/03-threads/bench_starvation");
    printf("# %d readers holding the read lock 100 us each, in turn; the "
           "writer gives up after 1000 ms\n", READERS);
    printf("# columns: kind writer_wait_ms rounds_given_up rounds\n");
    printf("prefer_reader %.2f %d %d\n", median(w[0], rounds), gave_up[0], rounds);
    printf("prefer_writer %.2f %d %d\n", median(w[1], rounds), gave_up[1], rounds);
    return 0;
}
