/* Tests for exercise 1.3.  Each one measures the same interval twice: once
 * with the learner's stopwatch, once from the outside with the grader's
 * own clocks, in the same run.  So no test depends on how fast or how busy
 * this machine is; only on the two measurements agreeing. */
#include "grader.h"
#include "stopwatch.h"
#include "workloads.h"

#include <math.h>

struct fn_case {
    void (*fn)(void *);
};

struct measured {
    struct sw_times got;  /* the learner's stopwatch */
    struct cost outer;    /* the grader's, around the same call */
};

static void time_fn(void *arg, void *out)
{
    struct measured *m = out;
    struct cost c0 = cost_start();
    m->got = stopwatch_fn(((struct fn_case *)arg)->fn, NULL);
    m->outer = cost_since(c0);
}

static struct measured run(gr_fn how, void *arg, const char *what)
{
    struct measured m = { 0 };
    struct gr_run r = gr_run_fn(how, arg, &m, sizeof m, NULL);
    gr_assert_clean(r, what);
    return m;
}

/* Agreement within a small slack: a few ms plus 15% of the CPU time the
 * grader measured.  Not of the wall time: on a loaded machine the wall
 * time stretches, and a slack that grows with it would let a stopwatch
 * that misses half the CPU time (one thread's of two) pass. */
static void agree(const char *what, const char *clock, double got, double want,
                  double cpu)
{
    double slack = 0.02 + 0.15 * cpu;
    cr_assert(fabs(got - want) <= slack,
              "%s: %s time should be about %.3f s (measured by the grader "
              "around the same call), but the stopwatch said %.3f s",
              what, clock, want, got);
}

static void agree_all(const char *what, struct measured m)
{
    cr_assert(m.got.wall <= m.outer.wall + 0.002 &&
                  m.got.wall >= 0.9 * m.outer.wall - 0.005,
              "%s: wall time should be about %.3f s, but the stopwatch said "
              "%.3f s", what, m.outer.wall, m.got.wall);
    double cpu = m.outer.user + m.outer.sys;
    agree(what, "user", m.got.user, m.outer.user, cpu);
    agree(what, "system", m.got.sys, m.outer.sys, cpu);
}

Test(stopwatch, busy_loop_is_user_time)
{
    const char *what = "stopwatch_fn(busy loop)";
    struct measured m = run(time_fn, &(struct fn_case){ burn }, what);
    agree_all(what, m);
}

Test(stopwatch, sleep_is_wall_time_only)
{
    const char *what = "stopwatch_fn(nanosleep 0.15 s)";
    struct measured m = run(time_fn, &(struct fn_case){ nap }, what);
    agree_all(what, m);
}

Test(stopwatch, kernel_work_is_system_time)
{
    const char *what = "stopwatch_fn(read /dev/zero)";
    struct measured m = run(time_fn, &(struct fn_case){ kernel_work }, what);
    agree_all(what, m);
}

Test(stopwatch, every_thread_counts)
{
    const char *what = "stopwatch_fn(two busy threads)";
    struct measured m = run(time_fn, &(struct fn_case){ two_threads }, what);
    agree_all(what, m);
}
