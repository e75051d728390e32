/* Tests for exercise 3.1: exact counts on small ranges (checked against
 * the library's sequential count_primes()), a speedup judged against this
 * machine in the same run, and a race check under ThreadSanitizer. */
#include "grader.h"
#include "prime_threads.h"
#include "primes.h"
#include "timing.h"

enum { SENTINEL = -7 };

struct call {
    uint64_t lo, hi;
    int nthreads;
};

struct result {
    long count;
    long per_thread[PT_MAX_THREADS + 1]; /* one past the end, to catch overruns */
};

static void run_count(void *arg, void *out)
{
    const struct call *c = arg;
    struct result *r = out;
    for (int i = 0; i <= PT_MAX_THREADS; i++)
        r->per_thread[i] = SENTINEL;
    r->count = count_primes_parallel(c->lo, c->hi, c->nthreads, r->per_thread);
}

static void check(uint64_t lo, uint64_t hi, int nthreads)
{
    char what[96];
    snprintf(what, sizeof what, "count_primes_parallel(%llu, %llu, %d)",
             (unsigned long long)lo, (unsigned long long)hi, nthreads);
    struct call c = { lo, hi, nthreads };
    struct result r;
    struct gr_run run = gr_run_fn(run_count, &c, &r, sizeof r, NULL);
    gr_assert_clean(run, what);
    long want = lo < hi ? count_primes(lo, hi) : 0;
    cr_assert_eq(r.count, want, "%s returned %ld, but there are %ld primes "
                 "in that range", what, r.count, want);
    long sum = 0;
    for (int i = 0; i < nthreads; i++) {
        cr_assert(r.per_thread[i] >= 0, "%s: per_thread[%d] was %s (%ld): "
                  "every thread's count must be stored, 0 if it found none",
                  what, i, r.per_thread[i] == SENTINEL ? "never written" :
                  "negative", r.per_thread[i]);
        sum += r.per_thread[i];
    }
    cr_assert_eq(sum, want, "%s: the per_thread counts add up to %ld, not "
                 "to the %ld primes found", what, sum, want);
    for (int i = nthreads; i <= PT_MAX_THREADS; i++)
        cr_assert_eq(r.per_thread[i], SENTINEL, "%s wrote per_thread[%d], "
                     "past the %d entries it was given", what, i, nthreads);
}

Test(prime_threads, one_thread)
{
    check(0, 100, 1);
    check(0, 10000, 1);
}

Test(prime_threads, several_threads)
{
    check(0, 100, 4);
    check(0, 10000, 3);
    check(999000, 1000100, 7);
}

Test(prime_threads, more_threads_than_numbers)
{
    check(2, 3, PT_MAX_THREADS);
    check(0, 200000, PT_MAX_THREADS);
}

Test(prime_threads, empty_ranges)
{
    check(100, 100, 2);
    check(10, 5, 2);
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 10);
}

/* ---- speedup: the sequential reference against the learner's threads -- */

enum { N = 1200000 }; /* about 0.1 s on one core */

static void sequential(void *arg, void *out)
{
    (void)arg;
    *(long *)out = count_primes(0, N);
}

static void parallel(void *arg, void *out)
{
    long per_thread[PT_MAX_THREADS];
    *(long *)out = count_primes_parallel(0, N, *(int *)arg, per_thread);
}

Test(speedup, faster_on_every_core)
{
    static int workers;
    workers = usable_cores() < PT_MAX_THREADS ? usable_cores() : PT_MAX_THREADS;
    char what[80];
    snprintf(what, sizeof what, "count_primes_parallel(0, %d, %d)", N, workers);
    struct gr_speedup s = {
        .parallel = parallel, .parallel_arg = &workers,
        .sequential = sequential, .out_size = sizeof(long),
        .workers = workers, .what = what,
    };
    gr_assert_speedup(&s);
}
