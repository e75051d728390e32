/* bench_waiting.c: four ways for a thread to wait until another thread
 * says "go", and what each costs while it waits: CPU time, how often it
 * is switched in and out, and how late it notices the "go".
 * Output: plots/03-threads/waiting.dat; QUICK=1 runs a small version. */
#define _GNU_SOURCE
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

struct signal_flag {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    _Atomic int go;
    double set_at;       /* when the other thread said go */
};

static void wait_spin(struct signal_flag *f)
{
    while (!atomic_load(&f->go))
        ; /* burn */
}

static void wait_yield(struct signal_flag *f)
{
    while (!atomic_load(&f->go))
        sched_yield(); /* "let someone else run", then look again */
}

static void wait_poll(struct signal_flag *f)
{
    struct timespec ms = { 0, 1000000 };
    while (!atomic_load(&f->go))
        nanosleep(&ms, NULL); /* sleep 1 ms, then look again */
}

// [snippet cond]
static void wait_cond(struct signal_flag *f)
{
    pthread_mutex_lock(&f->lock);
    while (!atomic_load(&f->go))
        pthread_cond_wait(&f->cond, &f->lock); /* asleep until signalled */
    pthread_mutex_unlock(&f->lock);
}

static void say_go(struct signal_flag *f)
{
    pthread_mutex_lock(&f->lock);
    atomic_store(&f->go, 1);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
}
// [end cond]

struct waiter {
    void (*wait)(struct signal_flag *);
    struct signal_flag *flag;
    double cpu, late;
    long switches;
};

static void thread_usage(double *cpu, long *switches)
{
    struct rusage ru; /* this thread only */
    getrusage(RUSAGE_THREAD, &ru);
    *cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    *switches = ru.ru_nvcsw + ru.ru_nivcsw;
}

static void *waiter(void *arg)
{
    struct waiter *w = arg;
    double c0, c1;
    long s0, s1;
    thread_usage(&c0, &s0);
    w->wait(w->flag);
    double noticed = now_s();
    thread_usage(&c1, &s1);
    w->cpu = c1 - c0;
    w->switches = s1 - s0;
    w->late = noticed - w->flag->set_at;
    return NULL;
}

/* One wait of `wait_s` seconds; returns the waiter's numbers. */
static struct waiter one_wait(void (*how)(struct signal_flag *), double wait_s)
{
    struct signal_flag f = { .lock = PTHREAD_MUTEX_INITIALIZER,
                             .cond = PTHREAD_COND_INITIALIZER };
    struct waiter w = { how, &f, 0, 0, 0 };
    pthread_t t;
    pthread_create(&t, NULL, waiter, &w);
    struct timespec ts = { 0, (long)(wait_s * 1e9) };
    nanosleep(&ts, NULL);
    f.set_at = now_s();
    say_go(&f);
    pthread_join(t, NULL);
    return w;
}

int main(void)
{
    struct { const char *name; void (*wait)(struct signal_flag *); } how[] = {
        { "spin", wait_spin }, { "sched_yield", wait_yield },
        { "sleep_1_ms", wait_poll }, { "condition_variable", wait_cond },
    };
    int quick = quick_mode(), runs = quick ? 1 : 5;
    double wait_s = quick ? 0.02 : 0.2;
    print_machine(stdout);
    printf("# columns: how CPU_(%%_of_the_wait) wake-ups_per_s noticed_after_(µs)\n");
    for (int k = 0; k < 4; k++) {
        double cpu[9], wakeups[9], late[9];
        for (int r = 0; r < runs; r++) {
            struct waiter w = one_wait(how[k].wait, wait_s);
            cpu[r] = 100 * w.cpu / wait_s;
            wakeups[r] = w.switches / wait_s;
            late[r] = w.late * 1e6;
        }
        printf("%s %.1f %.0f %.1f\n", how[k].name, median(cpu, runs),
               median(wakeups, runs), median(late, runs));
        fflush(stdout);
    }
    return 0;
}
