/* bench_sync.c: six ways for threads to add up mix64(i) for i < N, on one
 * thread and on every core, with the cost of each per element.
 * Output: plots/03-threads/sync.dat; QUICK=1 runs a small version. */
#include "mix.h"
#include "models.h"
#include "timing.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum { MAX_THREADS = 64 };

struct share {
    pthread_t tid;
    int id;
    uint64_t lo, hi;
};

static uint64_t shared_total;                  /* unsynchronised */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t locked_total;                  /* under `lock` */
static _Atomic uint64_t atomic_total;          /* atomic */
static uint64_t adjacent[MAX_THREADS];         /* 8 bytes apart */
static struct { alignas(64) uint64_t v; } padded[MAX_THREADS]; /* 64 apart */
static uint64_t local_result[MAX_THREADS];     /* written once each */

static void *racy(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        shared_total += mix64(i);
    return NULL;
}

// [snippet mutex]
static void *with_mutex(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++) {
        uint64_t v = mix64(i); /* compute outside the lock */
        pthread_mutex_lock(&lock);
        locked_total += v;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}
// [end mutex]

// [snippet atomic]
static void *with_atomic(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        atomic_fetch_add(&atomic_total, mix64(i)); /* one indivisible step */
    return NULL;
}
// [end atomic]

// [snippet slots]
static void *adjacent_slots(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        adjacent[s->id] += mix64(i); /* my own slot, but a shared line */
    return NULL;
}

static void *padded_slots(void *arg)
{
    struct share *s = arg;
    for (uint64_t i = s->lo; i < s->hi; i++)
        padded[s->id].v += mix64(i); /* my own slot on my own line */
    return NULL;
}
// [end slots]

// [snippet local]
static void *local_sum(void *arg)
{
    struct share *s = arg;
    uint64_t sum = 0; /* a register: invisible to every other thread */
    for (uint64_t i = s->lo; i < s->hi; i++)
        sum += mix64(i);
    local_result[s->id] = sum; /* one store, read after the join */
    return NULL;
}
// [end local]

struct method {
    const char *name;
    void *(*fn)(void *);
};

static const struct method methods[] = {
    { "unsynchronised", racy },
    { "mutex", with_mutex },
    { "atomic", with_atomic },
    { "adjacent_slots", adjacent_slots },
    { "padded_slots", padded_slots },
    { "local_sum", local_sum },
};

static void reset(void)
{
    shared_total = locked_total = 0;
    atomic_store(&atomic_total, 0);
    memset(adjacent, 0, sizeof adjacent);
    memset(padded, 0, sizeof padded);
    memset(local_result, 0, sizeof local_result);
}

static uint64_t result(int threads)
{
    uint64_t sum = shared_total + locked_total + atomic_load(&atomic_total);
    for (int i = 0; i < threads; i++)
        sum += adjacent[i] + padded[i].v + local_result[i];
    return sum; /* only one of the methods left anything behind */
}

/* Seconds for one run of `m` on `threads` threads; the sum in *sum. */
static double run(const struct method *m, int threads, uint64_t n, uint64_t *sum)
{
    struct share s[MAX_THREADS];
    reset();
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        s[i] = (struct share){ .id = i, .lo = n / threads * i,
                               .hi = i == threads - 1 ? n : n / threads * (i + 1) };
        pthread_create(&s[i].tid, NULL, m->fn, &s[i]);
    }
    for (int i = 0; i < threads; i++)
        pthread_join(s[i].tid, NULL);
    double t = now_s() - t0;
    *sum = result(threads);
    return t;
}

/* Every method on 1 thread and on `all`, `runs` rounds in turn: a round
 * runs each cell once, so a slow moment of the machine (another program,
 * the clock speed settling) lands on every method alike instead of on
 * whichever came first.  Medians in t[k][0] (1 thread) and t[k][1]. */
static int measure_all(int all, uint64_t n, uint64_t want, int runs, double t[][2][9])
{
    int bad = 0;
    enum { NM = sizeof methods / sizeof *methods };
    for (int r = 0; r < runs; r++)
        for (size_t k = 0; k < NM; k++)
            for (int c = 0; c < 2; c++) {
                uint64_t sum = 0;
                t[k][c][r] = run(&methods[k], c ? all : 1, n, &sum);
                bad |= (sum != want) << (2 * k + (size_t)c);
            }
    return bad; /* bit 2k+c: method k on (c ? all : 1) threads was wrong */
}

int main(void)
{
    int quick = quick_mode(), cores = usable_cores();
    uint64_t n = quick ? 200000 : 20000000, want = 0, sum;
    int runs = quick ? 1 : 5, all = cores < MAX_THREADS ? cores : MAX_THREADS;
    all = all < 2 ? 2 : all; /* the same rows everywhere: 1 and all cores */
    for (uint64_t i = 0; i < n; i++)
        want += mix64(i);
    run(&methods[0], all, n, &sum); /* warm up: page in, wake the cores */
    print_machine(stdout);
    print_conditions(stdout, "build/demo/03-threads/bench_sync");
    printf("# %d rounds, the methods taking turns in each; median per row; cores free at "
           "the start: %.2f of %d\n", runs, cores_free(all), all);
    printf("# columns: method threads time_(ms) ns_per_element speedup result\n");
    static double t[sizeof methods / sizeof *methods][2][9];
    int bad = measure_all(all, n, want, runs, t);
    for (size_t k = 0; k < sizeof methods / sizeof *methods; k++) {
        double one = median(t[k][0], runs), many = median(t[k][1], runs);
        for (int c = 0; c < 2; c++) {
            double med = c ? many : one;
            printf("%s %d %.1f %.2f %.2f %s\n", methods[k].name, c ? all : 1, med * 1e3,
                   med * 1e9 / (double)n, one / med,
                   bad >> (2 * k + (size_t)c) & 1 ? "wrong" : "correct");
        }
    }
    printf("# cores free at the end: %.2f of %d (the speedup of a small prime count; "
           "other programs lower it)\n", cores_free(all), all);
    return 0;
}
