/* Tests for exercise 2.2.  Every call runs in the sandbox with a fork cap
 * of exactly nprocs, so a child too many (or a fork loop) is refused and
 * reported; after each call the sandbox looks for zombies, children still
 * running and pipe ends left open. */
#include "primes_pipes.h"
#include "procs.h"

#include <string.h>

struct job {
    uint64_t lo, hi;
    int n;
};

static void call(void *arg, void *out)
{
    const struct job *j = arg;
    *(long *)out = count_primes_pipes(j->lo, j->hi, j->n);
}

static const char *describe(struct job j, char *buf, size_t n)
{
    snprintf(buf, n, "count_primes_pipes(%llu, %llu, %d)",
             (unsigned long long)j.lo, (unsigned long long)j.hi, j.n);
    return buf;
}

/* One call, with a fork cap of n: at most one child per worker. */
static struct gr_run run(struct job j, long *got, double timeout_s)
{
    struct gr_limits lim = { .timeout_s = timeout_s, .max_forks = j.n };
    *got = -2;
    return gr_run_fn(call, &j, got, sizeof *got, &lim);
}

/* seed: printed when the range came from the run's seed (0: fixed). */
static void check_seeded(struct job j, unsigned long seed)
{
    char what[128];
    long got, want = count_primes(j.lo, j.hi);
    describe(j, what, sizeof what);
    if (seed)
        snprintf(what + strlen(what), sizeof what - strlen(what), " (seed %lu)", seed);
    struct gr_run r = run(j, &got, 5);
    gr_assert_clean(r, what);
    cr_assert_eq(got, want, "%s should be %ld, got %ld", what, want, got);
}

static void check(struct job j)
{
    check_seeded(j, 0);
}

Test(primes_pipes, counts_correctly)
{
    static const struct job cases[] = {
        { 0, 100, 1 },      { 0, 100, 2 },     { 0, 100, 3 },
        { 1, 2, 1 },        { 2, 3, 1 },       { 1000, 1997, 7 },
        { 0, 100000, 4 },   { 999983, 1000000, 2 },
        { 0, 1000003, 5 },  { 123456, 234567, 16 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(cases[i]);
    uint64_t lo = 500000 + gr_seed() % 1000000; /* a range nobody can know */
    check_seeded((struct job){ lo, lo + 100003, 4 }, gr_seed());
}

Test(primes_pipes, more_processes_than_numbers)
{
    static const struct job cases[] = {
        { 10, 13, 8 }, { 17, 18, 64 }, { 0, 3, 4 }, { 5, 5, 3 }, { 0, 0, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        check(cases[i]);
}

/* The counting must happen in children, at most one per worker.  A fork
 * loop is refused at the cap and reported, and the sandbox stops it
 * within this test's timeout. */
Test(primes_pipes, uses_child_processes)
{
    struct job j = { 0, 200000, 4 };
    char what[96];
    long got;
    describe(j, what, sizeof what);
    double timeout = 3, t0 = now_s();
    struct gr_run r = run(j, &got, timeout);
    double took = now_s() - t0;
    cr_assert_lt(took, timeout + 3, "%s: the grader took %.1f s to stop the "
                 "code (its timeout is %g s): the sandbox failed to contain "
                 "it", what, took, timeout);
    gr_assert_clean(r, what);
    cr_assert_geq(r.forks, 2, "%s: the counting must be split over child "
                  "processes, but only %d fork() call%s made", what, r.forks,
                  r.forks == 1 ? " was" : "s were");
    cr_assert_eq(got, 17984, "%s should be 17984, got %ld", what, got);
}

Test(primes_pipes, no_zombies)
{
    struct job j = { 0, 100000, 8 };
    char what[96];
    long got;
    describe(j, what, sizeof what);
    struct gr_run r = run(j, &got, 5);
    gr_assert_returned(r, what);
    cr_assert(r.zombies == 0 && r.running_children == 0, "%s: %s", what,
              r.problem);
    gr_assert_clean(r, what);
}

Test(primes_pipes, no_fd_leak)
{
    struct job j = { 0, 100000, 8 };
    char what[96];
    long got;
    describe(j, what, sizeof what);
    struct gr_run r = run(j, &got, 5);
    gr_assert_returned(r, what);
    cr_assert(r.fds_left == 0, "%s: %d file descriptor%s left open in the "
              "parent: after reading a child's count, close the read end of "
              "its pipe; close each write end right after fork(). (%s)", what,
              r.fds_left, r.fds_left == 1 ? " was" : "s were", r.problem);
    gr_assert_clean(r, what);
}

/* On a range where every slice costs the same, N children must finish
 * about N times sooner than one process, as judged against this machine
 * in the same run.  The children must do the counting: the caller's own
 * CPU time is judged apart from theirs.  The range starts at a point
 * drawn from the run's seed, so its count cannot be memorised. */
Test(speedup, primes_pipes)
{
    static struct job j;
    static unsigned long long range[2];
    char what[128];
    range[0] = seeded_even_lo(), range[1] = range[0] + (EVEN_HI - EVEN_LO);
    j = (struct job){ range[0], range[1], test_workers() };
    describe(j, what, sizeof what);
    snprintf(what + strlen(what), sizeof what - strlen(what), " (seed %lu)", gr_seed());
    precheck(call, &j, count_primes(range[0], range[1]), j.n, what);
    struct gr_speedup s = {
        .parallel = call, .parallel_arg = &j,
        .sequential = count_sequential, .sequential_arg = range,
        .out_size = sizeof(long), .workers = j.n, .what = what,
        .children_work = 1,
    };
    gr_assert_speedup(&s);
}
