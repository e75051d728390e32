/* Tests for exercise 7.2, a mixed batch run well.
 *
 * Each test starts two slow servers of its own (a fast one and a slow
 * one), builds a batch and runs run_batch() in the sandbox.  While it
 * runs, a thread inside the sandboxed process counts the process's
 * threads every millisecond (through /proc/self/task); the sandbox counts
 * its forks.
 *
 * The time bound is measured in the same run, from the book's own models
 * (lib/models.h) on each kind of job alone: the CPU jobs on every core
 * (count_primes_threads), the slow jobs on chapter 4's loop, the fast jobs
 * on a thread each.  The batch may take 1.5 times the slowest of those
 * (plus 50 ms), and never more than halfway from it to the time the CPU
 * jobs take on one core: that is what a runner that computes on its event
 * loop cannot beat.  When the machine cannot run the CPU jobs faster on
 * several cores than on one (one core, or a busy machine), the timing
 * test is skipped as inconclusive. */
#include "mixed.h"
#include "grader.h"
#include "models.h"
#include "net.h"
#include "primes.h"
#include "slow_server.h"
#include "timing.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAXJOBS 400

struct batch_spec {
    int ncpu;            /* CPU jobs: [0, cpu_n) cut into ncpu uneven pieces */
    uint64_t cpu_n;
    int nfast, fast_requests;
    double fast_ms;
    int nslow;
    double slow_ms;
};

struct bench {
    struct job jobs[MAXJOBS];
    long want[MAXJOBS];
    int n, cores;
    struct slow_server fast, slow;
    uint64_t cpu_n;   /* the CPU jobs cover [0, cpu_n) */
    double cpu_seq_s; /* the CPU jobs, one after another on one core */
};

struct outcome {
    int rc, max_threads;
    double wall;
    long result[MAXJOBS];
};

/* ---- building a batch ------------------------------------------------------ */

static void build(struct bench *b, const struct batch_spec *s)
{
    cr_assert(slow_server_start(&b->fast, s->fast_ms) == 0 &&
              slow_server_start(&b->slow, s->slow_ms) == 0, "could not start the slow servers");
    b->n = 0;
    b->cores = usable_cores();
    uint64_t lo = 0, total = (uint64_t)s->ncpu * (uint64_t)(s->ncpu + 1) / 2;
    double t0 = now_s();
    for (int i = 0; i < s->ncpu; i++) { /* piece i is i+1 shares: uneven on purpose */
        uint64_t hi = i == s->ncpu - 1 ? s->cpu_n : lo + s->cpu_n * (uint64_t)(i + 1) / total;
        b->jobs[b->n] = (struct job){ .kind = JOB_CPU, .lo = lo, .hi = hi };
        b->want[b->n++] = count_primes(lo, hi);
        lo = hi;
    }
    b->cpu_seq_s = now_s() - t0;
    b->cpu_n = s->cpu_n;
    /* Fast and slow jobs take turns in the array, as a real batch would. */
    for (int i = 0; i < s->nfast || i < s->nslow; i++) {
        if (i < s->nfast) {
            b->jobs[b->n] = (struct job){ .kind = JOB_FAST_IO, .port = b->fast.port,
                                          .requests = s->fast_requests };
            b->want[b->n++] = s->fast_requests;
        }
        if (i < s->nslow) {
            b->jobs[b->n] = (struct job){ .kind = JOB_SLOW_IO, .port = b->slow.port,
                                          .requests = 1 };
            b->want[b->n++] = 1;
        }
    }
    for (int i = 0; i < b->n; i++)
        b->jobs[i].result = -1;
}

static void tear_down(struct bench *b)
{
    slow_server_stop(&b->fast);
    slow_server_stop(&b->slow);
}

/* ---- running it, counting threads ------------------------------------------ */

static int threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

struct counter {
    atomic_int stop, max;
};

static void *count_threads(void *arg)
{
    struct counter *c = arg;
    while (!atomic_load(&c->stop)) {
        int n = threads_now();
        if (n > atomic_load(&c->max))
            atomic_store(&c->max, n);
        usleep(1000);
    }
    return NULL;
}

static void call(void *arg, void *out)
{
    struct bench *b = arg;
    struct outcome *o = out;
    struct counter c = { 0 };
    pthread_t t;
    pthread_create(&t, NULL, count_threads, &c);
    double t0 = now_s();
    o->rc = run_batch(b->jobs, b->n, b->cores);
    o->wall = now_s() - t0;
    atomic_store(&c.stop, 1);
    pthread_join(t, NULL);
    o->max_threads = atomic_load(&c.max) - 2; /* not this thread, not the counter */
    for (int i = 0; i < b->n; i++)
        o->result[i] = b->jobs[i].result;
}

static const char *kind_name(enum job_kind k)
{
    return k == JOB_CPU ? "a CPU job" : k == JOB_FAST_IO ? "a fast I/O job" : "a slow I/O job";
}

/* Run the batch in the sandbox. */
static struct gr_run run(struct bench *b, struct outcome *o, double timeout_s)
{
    struct gr_limits lim = { .timeout_s = timeout_s, .max_forks = 64 };
    memset(o, 0, sizeof *o);
    return gr_run_fn(call, b, o, sizeof *o, &lim);
}

/* It came back clean, and every result is right. */
static void verify(const struct bench *b, const struct outcome *o, struct gr_run r)
{
    char what[96];
    snprintf(what, sizeof what, "run_batch(%d jobs, %d cores)", b->n, b->cores);
    gr_assert_clean(r, what);
    cr_assert_eq(o->rc, 0, "%s returned %d, expected 0", what, o->rc);
    for (int i = 0; i < b->n; i++)
        if (o->result[i] != b->want[i])
            cr_assert_fail("%s: jobs[%d], %s, has result %ld, expected %ld", what, i,
                           kind_name(b->jobs[i].kind), o->result[i], b->want[i]);
}

/* ---- correctness --------------------------------------------------------------- */

Test(mixed, every_result_is_right)
{
    struct bench *b = calloc(1, sizeof *b);
    struct outcome o;
    struct batch_spec s = { .ncpu = 3, .cpu_n = 100000, .nfast = 2, .fast_requests = 5,
                            .fast_ms = 1, .nslow = 20, .slow_ms = 30 };
    build(b, &s);
    /* Edge cases: an empty range, a range of one prime, a job with no
     * requests, and a slow job whose server is gone (it gets 0). */
    b->jobs[b->n] = (struct job){ .kind = JOB_CPU, .lo = 500, .hi = 500 };
    b->want[b->n++] = 0;
    b->jobs[b->n] = (struct job){ .kind = JOB_CPU, .lo = 2, .hi = 3 };
    b->want[b->n++] = 1;
    b->jobs[b->n] = (struct job){ .kind = JOB_FAST_IO, .port = b->fast.port, .requests = 0 };
    b->want[b->n++] = 0;
    int gone_port = 0, gone = tcp_listen_loopback(&gone_port);
    close(gone); /* nobody listens there any more: connections are refused */
    b->jobs[b->n] = (struct job){ .kind = JOB_SLOW_IO, .port = gone_port, .requests = 1 };
    b->want[b->n++] = 0;
    struct gr_run r = run(b, &o, 10);
    tear_down(b);
    verify(b, &o, r);
    free(b);
}

static void empty(void *arg, void *out)
{
    (void)arg;
    *(int *)out = run_batch(NULL, 0, 2);
}

Test(mixed, an_empty_batch_is_no_work)
{
    int rc = -1;
    struct gr_run r = gr_run_fn(empty, NULL, &rc, sizeof rc, NULL);
    gr_assert_clean(r, "run_batch(0 jobs)");
    cr_assert_eq(rc, 0, "run_batch(0 jobs) returned %d, expected 0", rc);
}

Test(mixed, stays_within_the_thread_budget)
{
    struct bench *b = calloc(1, sizeof *b);
    struct outcome o;
    struct batch_spec s = { .ncpu = 4, .cpu_n = 600000, .nfast = 3, .fast_requests = 10,
                            .fast_ms = 2, .nslow = 150, .slow_ms = 150 };
    build(b, &s);
    struct gr_run r = run(b, &o, 20);
    tear_down(b);
    verify(b, &o, r);
    int budget = 2 * b->cores + 8, used = o.max_threads + r.forks;
    /* The sandbox counts every task of the call at once, threads inside
     * its child processes too; less its own thread and the counter's. */
    int tasks = r.peak_tasks - 2;
    free(b);
    cr_assert(used <= budget, "run_batch() with 150 slow jobs ran %d threads at once and "
              "forked %d processes: %d in all, over the budget of 2 x cores + 8 = %d.  A "
              "thread or a process per job does not survive 100,000 jobs: wait for the slow "
              "ones on an event loop", o.max_threads, r.forks, used, budget);
    cr_assert(tasks <= budget, "run_batch() with 150 slow jobs had %d threads and "
              "processes alive at once, counting the threads inside its child processes "
              "(%s), over the budget of 2 x cores + 8 = %d.  A thread per job does not "
              "survive 100,000 jobs in a child process either: wait for the slow ones on "
              "an event loop", tasks, gr_budget_mechanism(), budget);
}

Test(mixed, no_data_race)
{
    gr_assert_no_race("", 20);
}

/* ---- time -------------------------------------------------------------------------- */

static double cpu_parallel_s(const struct bench *b)
{
    double t0 = now_s();
    count_primes_threads(0, b->cpu_n, b->cores, 2000);
    return now_s() - t0;
}

static double cpu_sequential_s(const struct bench *b)
{
    double t0 = now_s();
    count_primes(0, b->cpu_n);
    return now_s() - t0;
}

/* The slowest kind alone (*alone), and the bound: half as long again,
 * but never what computing the CPU jobs on one core could beat. */
static double bound_of(double par_s, double slow_s, double fast_s, double seq_s,
                       double *alone)
{
    *alone = par_s > slow_s ? par_s : slow_s;
    *alone = *alone > fast_s ? *alone : fast_s;
    double bound = 1.5 * *alone + 0.05;
    return bound > (*alone + seq_s) / 2 ? (*alone + seq_s) / 2 : bound;
}

/* The kinds one after another, CPU on one core: 1.5 times that is wrong
 * on any machine (`certain` below). */
static double serial_s(const struct bench *b, double slow_s, double fast_s)
{
    return b->cpu_seq_s + slow_s + fast_s;
}

Test(timing, finishes_within_the_measured_bound)
{
    if (usable_cores() < 2)
        cr_skip_test("skipped: only 1 usable core, so CPU work cannot overlap here");
    int rc = -1;
    gr_assert_started(gr_run_fn(empty, NULL, &rc, sizeof rc, NULL), "run_batch(0 jobs)");
    struct bench *b = calloc(1, sizeof *b);
    struct outcome o;
    /* CPU jobs below 3,000,000: 0.3 s on 2 cores of the Intel VM, past the
     * slow I/O's 0.2 s, so the CPU jobs are still the slowest kind; at
     * 6,000,000 a verdict on the solution took 3.6 s, here 1.6 s
     * (docs/data/mixed-half-range.dat). */
    struct batch_spec s = { .ncpu = 8, .cpu_n = 3000000, .nfast = 3, .fast_requests = 20,
                            .fast_ms = 2, .nslow = 150, .slow_ms = 200 };
    build(b, &s);
    /* Each kind alone, with a good model. */
    double t0 = now_s();
    model_io(MODEL_EVLOOP, b->slow.port, s.nslow, 1, NULL, NULL);
    double slow_s = now_s() - t0;
    t0 = now_s();
    model_io(MODEL_THREADS, b->fast.port, s.nfast, s.fast_requests, NULL, NULL);
    double fast_s = now_s() - t0, par_s = cpu_parallel_s(b);
    double alone = 0, bound = 0, best = 0;
    int runs = 0, deferred = 0;
    for (int tries = 0; tries < 2; tries++) { /* a second chance after a burst of load */
        bound = bound_of(par_s, slow_s, fast_s, b->cpu_seq_s, &alone);
        /* A run past `certain`'s mark below fails whatever it returns, so
         * it is stopped there, with room for the sandbox's start (a run
         * of one pool for every kind took 2.8 s where 1.6 s decided, at
         * twice the CPU jobs' range). */
        double serial = serial_s(b, slow_s, fast_s), limit = 1.5 * serial + 0.25;
        limit = limit < 4 * bound + 1 ? limit : 4 * bound + 1;
        struct gr_run r = run(b, &o, limit);
        if (r.outcome == GR_TIMEOUT) {
            tear_down(b);
            cr_assert_fail("run_batch(%d jobs) was still running after %.2f s, over 1.5 times "
                           "the %.2f s that the kinds take one after another here (the CPU "
                           "jobs on one core %.2f s, the slow I/O %.2f s, the fast I/O %.2f "
                           "s; the bound is %.2f s), so it was stopped: do the slow jobs wait "
                           "for a few workers, or does one kind wait for another?  Re-run: %s",
                           b->n, limit, serial, b->cpu_seq_s, slow_s, fast_s, bound, gr_rerun());
        }
        verify(b, &o, r);
        best = tries == 0 || o.wall < best ? o.wall : best;
        runs++;
        /* Clear by a wide margin, within 1.3 times the slowest kind alone:
         * a runner that computes on one core takes at least the CPU jobs'
         * one-core time, twice their time on 2 cores (more on more), so on
         * 2 cores only a parallel reference 1.5 times too slow could let
         * it in here.  The references are then not measured again (1.6 s,
         * at twice the range; GRADER_EARLY=0 measures them), and the bound below
         * comes out the same.  (At 1.2, eight runs of the solution on an Intel
         * VM came to 1.13 to 1.32 times: three measured again, 2 s each.) */
        int clear = tries == 0 && best <= bound && best <= 1.3 * alone && gr_early();
        /* Over the bound and half as slow again as the kinds one after
         * another: measured again, the references can only come out
         * faster (each is the better of its runs), so the verdict below
         * would stand.  Nor are they measured a third time on a second
         * try: two runs each already guard against a burst of load. */
        int certain = best > bound && best > 1.5 * serial;
        /* Over the bound at the first try: the second run comes first,
         * and the references are measured again only where it comes in
         * under the bound.  Over it again, the verdict stands without
         * them, as above (1.2 s saved in each failure; GRADER_EARLY=0
         * measures them between the two runs). */
        int defer = tries == 0 && best > bound && !certain && gr_early();
        int over_again = deferred && best > bound;
        int remeasure = !clear && !certain && !defer && !over_again && (tries == 0 || deferred);
        deferred = defer;
        if (remeasure) {
            /* The references again, now: each is the better of its runs, so
             * that a burst of load during one of them does not move the bound. */
            double again = cpu_parallel_s(b), seq_again = cpu_sequential_s(b);
            par_s = again < par_s ? again : par_s;
            b->cpu_seq_s = seq_again < b->cpu_seq_s ? seq_again : b->cpu_seq_s;
        }
        cr_log_info("run_batch: %.3f s; alone: CPU %.3f s on %d cores (%.3f s on one), slow "
                    "I/O %.3f s, fast I/O %.3f s; bound %.3f s%s", o.wall, par_s, b->cores,
                    b->cpu_seq_s, slow_s, fast_s, bound,
                    remeasure ? "" : " (the references were not measured again)");
        /* the bound, from the better references */
        bound = bound_of(par_s, slow_s, fast_s, b->cpu_seq_s, &alone);
        if (best <= bound)
            break;
        /* Half as slow again as the kinds one after another, CPU on one
         * core: wrong on any machine.  Otherwise load may be to blame. */
        if (best > 1.5 * serial_s(b, slow_s, fast_s) || over_again)
            break;
        if (par_s > 0.8 * b->cpu_seq_s) {
            tear_down(b);
            cr_skip_test("inconclusive: run_batch() took %.2f s, over the bound of %.2f s, but "
                         "the CPU jobs took %.2f s on %d cores and %.2f s on one, so the "
                         "machine is too busy to tell a good runner from one that computes on "
                         "one core; rerun it when it is quieter", best, bound, par_s,
                         b->cores, b->cpu_seq_s);
        }
    }
    tear_down(b);
    double cpu_seq = b->cpu_seq_s;
    int cores = b->cores;
    free(b);
    cr_assert(best <= bound, "run_batch() took %.2f s (%s); each kind "
              "alone takes at most %.2f s here (the CPU jobs on %d cores %.2f s, the slow I/O "
              "on an event loop %.2f s, the fast I/O on threads %.2f s), so the bound is "
              "%.2f s.  The CPU jobs alone take %.2f s on one core: are they computed on one "
              "thread, or do the slow jobs wait for a few workers, or does one kind wait for "
              "another to finish?", best, runs > 1 ? "the better of two runs" : "one run, "
              "too slow on any machine", alone, cores, par_s, slow_s, fast_s, bound, cpu_seq);
}
