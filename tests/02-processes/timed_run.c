/* Tests for exercise 2.1.  Each one times the same child twice: once with
 * the learner's timed_run(), once from the outside with the grader's own
 * clocks (which count a child once it has been waited for), in the same
 * run.  So no test depends on how fast or how busy this machine is; only
 * on the two measurements agreeing. */
#include "grader.h"
#include "timed_run.h"
#include "timing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct measured {
    struct tr_times got; /* the learner's */
    struct cost outer;   /* the grader's, around the same call */
    int exit_code;
};

static void time_cmd(void *arg, void *out)
{
    struct measured *m = out;
    struct cost c0 = cost_start();
    m->got = timed_run(arg, &m->exit_code);
    m->outer = cost_since(c0);
}

/* Leaves "before " in stdout's buffer, unflushed, then runs the program:
 * a child that returns into this code, or flushes on its way out, prints
 * it a second time. */
static void time_cmd_buffered(void *arg, void *out)
{
    printf("before ");
    time_cmd(arg, out);
}

static struct measured run(gr_fn how, char **argv, const char *what,
                           struct gr_run *r)
{
    struct measured m = { 0 };
    *r = gr_run_fn(how, argv, &m, sizeof m, NULL);
    gr_assert_clean(*r, what);
    return m;
}

/* Agreement within a small slack: a few ms plus 15% of the CPU time the
 * grader measured.  Not of the wall time, which a loaded machine
 * stretches: that slack would let a count of the wrong process pass. */
static void agree(const char *what, const char *clock, double got, double want,
                  double cpu)
{
    double slack = 0.02 + 0.15 * cpu;
    cr_assert(fabs(got - want) <= slack,
              "%s: the child's %s time should be about %.3f s (measured by "
              "the grader around the same call), but timed_run said %.3f s",
              what, clock, want, got);
}

static void agree_all(const char *what, struct measured m)
{
    cr_assert(m.got.wall <= m.outer.wall + 0.002 &&
                  m.got.wall >= 0.9 * m.outer.wall - 0.005,
              "%s: wall time should be about %.3f s, but timed_run said "
              "%.3f s", what, m.outer.wall, m.got.wall);
    double cpu = m.outer.user + m.outer.sys;
    agree(what, "user", m.got.user, m.outer.user, cpu);
    agree(what, "system", m.got.sys, m.outer.sys, cpu);
}

static void expect_code(const char *what, int got, int want, const char *why)
{
    cr_assert_eq(got, want, "%s: exit code should be %d (%s), got %d", what,
                 want, why, got);
}

Test(timed_run, exit_code_of_a_program)
{
    char *argv[] = { "sh", "-c", "exit 3", NULL };
    struct gr_run r;
    const char *what = "timed_run(sh -c 'exit 3')";
    struct measured m = run(time_cmd, argv, what, &r);
    expect_code(what, m.exit_code, 3, "the status it exited with");
}

Test(timed_run, cpu_time_is_the_childs)
{
    char *argv[] = { "sh", "-c",
                     "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done", NULL };
    const char *what = "timed_run(a busy shell loop)";
    struct gr_run r;
    struct measured m = run(time_cmd, argv, what, &r);
    expect_code(what, m.exit_code, 0, "it exited normally");
    agree_all(what, m);
}

Test(timed_run, sleeping_child)
{
    char *argv[] = { "sleep", "0.15", NULL };
    const char *what = "timed_run(sleep 0.15)";
    struct gr_run r;
    struct measured m = run(time_cmd, argv, what, &r);
    agree_all(what, m);
}

Test(timed_run, missing_program_exits_127)
{
    char *argv[] = { "/nonexistent/program", NULL };
    const char *what = "timed_run(/nonexistent/program)";
    struct gr_run r;
    struct measured m = run(time_cmd, argv, what, &r);
    expect_code(what, m.exit_code, 127, "a program that cannot start");
}

Test(timed_run, killed_child_is_128_plus_signal)
{
    char *argv[] = { "sh", "-c", "kill -KILL $$", NULL };
    const char *what = "timed_run(sh -c 'kill -KILL $$')";
    struct gr_run r;
    struct measured m = run(time_cmd, argv, what, &r);
    expect_code(what, m.exit_code, 137, "128 + 9 for a child killed by SIGKILL");
}

Test(timed_run, buffered_output_printed_once)
{
    char *argv[] = { "/nonexistent/program", NULL };
    const char *what = "printf(\"before \") then timed_run(/nonexistent/program)";
    struct gr_run r;
    run(time_cmd_buffered, argv, what, &r);
    const char *first = strstr(r.stdout_text, "before ");
    cr_assert(first && !strstr(first + 1, "before "),
              "%s: \"before \" should be printed once, but stdout was \"%.60s\" "
              "(a child whose exec failed must leave with _exit(), which "
              "flushes nothing)", what, r.stdout_text);
}
