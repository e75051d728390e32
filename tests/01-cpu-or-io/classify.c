/* Tests for exercise 1.2.  Each workload is classified by the learner's
 * code while the grader measures the same call from outside.  The label
 * must follow the thresholds in classify.h applied to the grader's
 * numbers, so a machine too busy to give a busy loop a whole core is
 * judged by what it did give. */
#include "classify.h"
#include "grader.h"
#include "slow_server.h"
#include "workloads.h"

#include <math.h>
#include <string.h>

struct seen {
    struct load_report got;
    struct cost outer;
};

struct job {
    void (*fn)(void *);
    void *arg;
};

static void run_classify(void *arg, void *out)
{
    struct job *j = arg;
    struct seen *s = out;
    struct cost c0 = cost_start();
    s->got = classify(j->fn, j->arg);
    s->outer = cost_since(c0);
}

static enum load_kind expected(struct cost c)
{
    double share = (c.user + c.sys) / c.wall;
    return share >= 0.8 ? LOAD_CPU_BOUND : share <= 0.2 ? LOAD_IO_BOUND : LOAD_MIXED;
}

static const char *kind_str(enum load_kind k)
{
    return k == LOAD_CPU_BOUND ? "LOAD_CPU_BOUND" : k == LOAD_IO_BOUND ? "LOAD_IO_BOUND"
           : k == LOAD_MIXED   ? "LOAD_MIXED" : "an invalid value";
}

/* The measurements must agree with the grader's; the label must follow. */
static void check(const char *what, void (*fn)(void *), void *arg,
                  enum load_kind typical)
{
    struct seen s;
    struct gr_run r = gr_run_fn(run_classify, &(struct job){ fn, arg }, &s,
                                sizeof s, NULL);
    gr_assert_clean(r, what);
    double cpu = s.outer.user + s.outer.sys, slack = 0.02 + 0.15 * s.outer.wall;
    cr_assert(fabs(s.got.wall - s.outer.wall) <= slack,
              "%s: wall time should be about %.3f s, got %.3f s", what,
              s.outer.wall, s.got.wall);
    /* The CPU time's slack grows with the CPU time, not the wall time: a
     * loaded machine stretches the wall time, and would let a count that
     * misses a thread, or the kernel's share, pass. */
    cr_assert(fabs(s.got.user + s.got.sys - cpu) <= 0.02 + 0.15 * cpu,
              "%s: CPU time (user + sys, every thread) should be about "
              "%.3f s, got %.3f s", what, cpu, s.got.user + s.got.sys);
    cr_assert(fabs(s.got.cpu_share - cpu / s.outer.wall) <= 0.15 + 0.15 * cpu / s.outer.wall,
              "%s: cpu_share should be about %.2f, got %.2f", what,
              cpu / s.outer.wall, s.got.cpu_share);
    enum load_kind want = expected(s.outer);
    cr_assert_eq(s.got.kind, want, "%s: its CPU share was %.2f, so it is %s, "
                 "but classify() said %s", what, cpu / s.outer.wall,
                 kind_str(want), kind_str(s.got.kind));
    (void)typical; /* what an idle machine gives; the test judges by `want` */
}

Test(classify, busy_loop_is_cpu_bound)
{
    check("classify(busy loop)", burn, NULL, LOAD_CPU_BOUND);
}

Test(classify, sleep_is_io_bound)
{
    check("classify(nanosleep)", nap, NULL, LOAD_IO_BOUND);
}

Test(classify, kernel_time_is_cpu_time)
{
    check("classify(read /dev/zero)", kernel_work, NULL, LOAD_CPU_BOUND);
}

Test(classify, threads_add_up)
{
    check("classify(two busy threads)", two_threads, NULL, LOAD_CPU_BOUND);
}

static void half_and_half(void *arg)
{
    burn(arg);
    struct timespec ts = { 0, 100000000 };
    nanosleep(&ts, NULL);
}

Test(classify, half_waiting_is_mixed)
{
    check("classify(compute, then sleep)", half_and_half, NULL, LOAD_MIXED);
}

static void ask_slow_server(void *arg)
{
    char reply[64];
    for (int i = 0; i < 3; i++)
        slow_request(*(int *)arg, "hello", reply, sizeof reply);
}

Test(classify, slow_server_call_is_io_bound)
{
    struct slow_server s;
    cr_assert_eq(slow_server_start(&s, 50), 0, "could not start the slow server");
    check("classify(3 requests to the slow server)", ask_slow_server, &s.port,
          LOAD_IO_BOUND);
    slow_server_stop(&s);
}

static void names(void *arg, void *out)
{
    (void)arg;
    char *o = out;
    snprintf(o, 32, "%s", load_kind_name(LOAD_CPU_BOUND));
    snprintf(o + 32, 32, "%s", load_kind_name(LOAD_MIXED));
    snprintf(o + 64, 32, "%s", load_kind_name(LOAD_IO_BOUND));
}

Test(classify, kinds_have_names)
{
    char got[96];
    struct gr_run r = gr_run_fn(names, NULL, got, sizeof got, NULL);
    gr_assert_clean(r, "load_kind_name()");
    cr_assert_str_eq(got, "CPU-bound");
    cr_assert_str_eq(got + 32, "mixed");
    cr_assert_str_eq(got + 64, "I/O-bound");
}
