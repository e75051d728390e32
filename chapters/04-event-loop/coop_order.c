/* coop_order.c: cooperative tasks run in a predictable order.
 *
 * A common claim is that coroutines are hard to reason about because
 * they "can be suspended at any time".  In a cooperative event loop the
 * opposite holds: a task runs until it yields, and nothing can interrupt
 * it in between.  Three experiments:
 *
 *   1. Three tasks print A1 B1 C1 A2 ... with a yield after each step.
 *      On the loop the order is the same in every run; with threads it is
 *      whatever the scheduler chose.
 *   2. Two tasks each add 1 to a shared counter a million times.  On the
 *      loop no update is ever lost, with no lock, because no task can be
 *      interrupted between reading the counter and writing it back.  Two
 *      threads doing the same lose updates (on a machine with two cores).
 *   3. The one real hazard: a read-modify-write that spans a yield.  Each
 *      task reads the counter, yields, and writes back what it read plus
 *      one.  Updates are lost, but the same ones in every run, and the
 *      yield point in the code shows exactly where. */
#define _GNU_SOURCE
#include "coro.h"
#include "evloop.h"
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#define RUNS 20

/* ---- 1. the order of steps ---------------------------------------------- */

// [snippet steps]
struct task {
    int pc;            /* coroutine position (coro.h) */
    int step;
    char name;
    struct el_timer yield; /* a 0 ms timer: "run me again on the next turn" */
    char *log;
};

static void step_task(struct el_loop *loop, struct el_timer *t, void *data);

static int steps(struct el_loop *loop, struct task *k)
{
    CO_BEGIN(&k->pc);
    for (k->step = 1; k->step <= 3; k->step++) {
        sprintf(k->log + strlen(k->log), "%c%d ", k->name, k->step);
        el_timer_start(loop, &k->yield, 0, 0, step_task, k); /* yield */
        CO_YIELD(&k->pc, 0);
    }
    CO_END(&k->pc, 1);
}

static void step_task(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)t;
    steps(loop, data);
}
// [end steps]

static void order_on_loop(char *log)
{
    struct el_loop *loop = el_loop_new();
    struct task k[3] = { { .name = 'A' }, { .name = 'B' }, { .name = 'C' } };
    log[0] = '\0';
    for (int i = 0; i < 3; i++) {
        k[i].log = log;
        el_timer_start(loop, &k[i].yield, 0, 0, step_task, &k[i]);
    }
    el_run(loop);
    el_loop_free(loop);
}

static char thread_log[64];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void *step_thread(void *arg)
{
    char name = *(char *)arg;
    for (int s = 1; s <= 3; s++) {
        pthread_mutex_lock(&log_lock); /* only the log is protected */
        sprintf(thread_log + strlen(thread_log), "%c%d ", name, s);
        pthread_mutex_unlock(&log_lock);
        sched_yield();
    }
    return NULL;
}

static void order_on_threads(char *log)
{
    pthread_t t[3];
    char names[3] = { 'A', 'B', 'C' };
    thread_log[0] = '\0';
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, step_thread, &names[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    strcpy(log, thread_log);
}

static int distinct(void (*run)(char *), char *first)
{
    char seen[RUNS][64];
    int n = 0;
    for (int r = 0; r < RUNS; r++) {
        char log[64];
        run(log);
        int known = 0;
        for (int i = 0; i < n; i++)
            known |= strcmp(seen[i], log) == 0;
        if (!known)
            strcpy(seen[n++], log);
    }
    strcpy(first, seen[0]);
    return n;
}

/* ---- 2 and 3. a shared counter ------------------------------------------ */

#define ADDS 1000000
static volatile long counter; /* volatile: one load and one store per += */

static pthread_barrier_t start_together;

static int cpu_of[2];

static void *add_thread(void *arg)
{
    /* One thread per core, so that they really run at the same time. */
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu_of[*(int *)arg], &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    pthread_barrier_wait(&start_together);
    for (int i = 0; i < ADDS; i++)
        counter = counter + 1; /* load, add, store: preemptible in between */
    return NULL;
}

// [snippet adder]
struct adder {
    int pc;
    long i, seen;
    int across_yield; /* experiment 3: read, yield, write back */
    struct el_timer yield;
};

static void adder_task(struct el_loop *loop, struct el_timer *t, void *data);

static int add(struct el_loop *loop, struct adder *a)
{
    CO_BEGIN(&a->pc);
    for (a->i = 0; a->i < ADDS; a->i++) {
        if (!a->across_yield) {
            counter = counter + 1; /* nothing can run in between: safe */
        } else {
            a->seen = counter;
            el_timer_start(loop, &a->yield, 0, 0, adder_task, a);
            CO_YIELD(&a->pc, 0); /* the other task runs here... */
            counter = a->seen + 1; /* ...so this overwrites its update */
        }
        if (a->i % 1000 == 999 && !a->across_yield) { /* yield now and then */
            el_timer_start(loop, &a->yield, 0, 0, adder_task, a);
            CO_YIELD(&a->pc, 0);
        }
    }
    CO_END(&a->pc, 1);
}
// [end adder]

static void adder_task(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)t;
    add(loop, data);
}

static long count_on_loop(int across_yield)
{
    struct el_loop *loop = el_loop_new();
    struct adder a[2] = { { .across_yield = across_yield }, { .across_yield = across_yield } };
    counter = 0;
    for (int i = 0; i < 2; i++)
        el_timer_start(loop, &a[i].yield, 0, 0, adder_task, &a[i]);
    el_run(loop);
    el_loop_free(loop);
    return counter;
}

static long count_on_threads(void)
{
    pthread_t t[2];
    int id[2] = { 0, 1 };
    cpu_set_t mine;
    sched_getaffinity(0, sizeof mine, &mine);
    int found = 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++)
        if (CPU_ISSET(c, &mine))
            cpu_of[found++] = c;
    if (found < 2)
        cpu_of[1] = cpu_of[0]; /* one usable core: both share it */
    counter = 0;
    pthread_barrier_init(&start_together, NULL, 2);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, add_thread, &id[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start_together);
    return counter;
}

int main(void)
{
    char first[64];
    int n = distinct(order_on_loop, first);
    printf("1. on the loop, %d runs gave %d order%s: %s\n", RUNS, n, n > 1 ? "s" : "", first);
    int loop_orders = n;
    n = distinct(order_on_threads, first);
    printf("   with threads, %d runs gave %d order%s, e.g. %s\n", RUNS, n, n > 1 ? "s" : "", first);

    printf("2. two tasks adding 1, %d times each (expect %d):\n", ADDS, 2 * ADDS);
    int runs = quick_mode() ? 3 : 5, exact = 1;
    printf("   on the loop: ");
    for (int r = 0; r < runs; r++) {
        long c = count_on_loop(0);
        exact &= c == 2 * ADDS;
        printf("%ld ", c);
    }
    printf("\n   on threads:  ");
    for (int r = 0; r < runs; r++)
        printf("%ld ", count_on_threads());
    printf("(%d usable cores)\n", usable_cores());

    printf("3. on the loop, reading before a yield and writing after it:\n   ");
    long first_count = -1;
    int same = 1;
    for (int r = 0; r < runs; r++) {
        long c = count_on_loop(1);
        same &= first_count < 0 || c == first_count;
        first_count = c;
        printf("%ld ", c);
    }
    printf("(the same lost updates every time)\n");
    return loop_orders == 1 && exact && same ? 0 : 1;
}
