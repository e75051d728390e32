/* bench_switch.c: what one switch between tasks costs.
 *
 * A round trip is "switch to the other task, and come back":
 *   - stackless coroutine: a function call into a generator and a jump
 *     through its switch (coro.h);
 *   - stackful coroutine: two swapcontext() calls, which save and restore
 *     registers and also the signal mask (one system call each);
 *   - two threads on one core, handing a token back and forth with two
 *     semaphores: each hand-over is a futex wake, a futex wait, and a
 *     context switch by the kernel's scheduler;
 *   - the same two threads on two cores, where each hand-over also has to
 *     wake the other core.
 * Output: plots/04-event-loop/switch.dat (median of 5 timed batches). */
#define _GNU_SOURCE
#include "coro.h"
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

static long rounds;

/* ---- stackless: a generator of 0, 1, 2, ... -------------------------- */

struct counter {
    int pc;
    long i;
};

__attribute__((noinline)) static long next(struct counter *c)
{
    CO_BEGIN(&c->pc);
    for (c->i = 0;; c->i++)
        CO_YIELD(&c->pc, c->i);
    CO_END(&c->pc, -1);
}

static double stackless(void)
{
    struct counter c = { 0 };
    volatile long sink = 0;
    double t0 = now_s();
    for (long i = 0; i < rounds; i++)
        sink += next(&c);
    return (now_s() - t0) / rounds;
}

/* ---- stackful: ucontext ping-pong --------------------------------------- */

static ucontext_t main_ctx, co_ctx;

static void co_body(void)
{
    for (;;)
        swapcontext(&co_ctx, &main_ctx);
}

static double stackful(void)
{
    static char stack[64 * 1024];
    getcontext(&co_ctx);
    co_ctx.uc_stack = (stack_t){ .ss_sp = stack, .ss_size = sizeof stack };
    co_ctx.uc_link = NULL;
    makecontext(&co_ctx, co_body, 0);
    double t0 = now_s();
    for (long i = 0; i < rounds; i++)
        swapcontext(&main_ctx, &co_ctx);
    return (now_s() - t0) / rounds;
}

/* ---- threads: a token passed with two semaphores ------------------------ */

static sem_t ping, pong;
static int pin_cpu[2];

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *partner(void *arg)
{
    (void)arg;
    pin(pin_cpu[1]);
    for (long i = 0; i < rounds; i++) {
        sem_wait(&ping);
        sem_post(&pong);
    }
    return NULL;
}

static double threads(void)
{
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    sem_init(&ping, 0, 0);
    sem_init(&pong, 0, 0);
    pin(pin_cpu[0]);
    pthread_t t;
    pthread_create(&t, NULL, partner, NULL);
    double t0 = now_s();
    for (long i = 0; i < rounds; i++) {
        sem_post(&ping);
        sem_wait(&pong);
    }
    double per = (now_s() - t0) / rounds;
    pthread_join(t, NULL);
    sem_destroy(&ping);
    sem_destroy(&pong);
    sched_setaffinity(0, sizeof saved, &saved);
    return per;
}

/* ------------------------------------------------------------------------ */

static double median_ns(double (*f)(void), long n)
{
    double v[5];
    rounds = n;
    for (int r = 0; r < 5; r++)
        v[r] = f() * 1e9;
    return median(v, 5);
}

int main(void)
{
    int quick = quick_mode();
    long scale = quick ? 20 : 1;
    cpu_set_t mine;
    sched_getaffinity(0, sizeof mine, &mine);
    int cpus[2] = { -1, -1 }, found = 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &mine))
            cpus[found++] = c;
    print_machine(stdout);
    double sl = median_ns(stackless, 20000000 / scale);
    double sf = median_ns(stackful, 1000000 / scale);
    pin_cpu[0] = pin_cpu[1] = cpus[0];
    double t1 = median_ns(threads, 50000 / scale);
    printf("# columns: switch ns_per_round_trip x_stackless\n");
    printf("%-30s %10.1f %10.0f\n", "stackless_coroutine", sl, 1.0);
    printf("%-30s %10.1f %10.0f\n", "stackful_coroutine_(ucontext)", sf, sf / sl);
    printf("%-30s %10.1f %10.0f\n", "two_threads,_one_core", t1, t1 / sl);
    if (found == 2) {
        pin_cpu[1] = cpus[1];
        double t2 = median_ns(threads, 5000 / scale);
        printf("%-30s %10.1f %10.0f\n", "two_threads,_two_cores", t2, t2 / sl);
    } else {
        printf("# skipped two threads on two cores: this process may use one core\n");
    }
    return 0;
}
