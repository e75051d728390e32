/* Tests for exercise 5.1: child processes run from a libuv loop.
 *
 * run_jobs() runs in the sandbox, which afterwards counts zombies,
 * children still running, open descriptors and leaked memory (the test
 * calls free_job_results() there, so the outputs must be all that was
 * allocated).  What the jobs produced comes back summarised: each
 * output's length, a hash of it, and its first bytes. */
#define _GNU_SOURCE
#include "spawner.h"
#include "uvtest.h"

#include <signal.h>
#include <stdlib.h>

#define MAXJ 32

struct summary {
    int spawn_error;
    int64_t exit_status;
    int term_signal;
    int null_output;
    size_t len;
    unsigned long hash;
    char head[200];
};

struct seen {
    int rc;
    struct summary r[MAXJ];
};

struct batch {
    int n;
    char *argv[MAXJ][8];
};

static unsigned long hash(const char *p, size_t n)
{
    unsigned long h = 5381;
    for (size_t i = 0; i < n; i++)
        h = h * 33 + (unsigned char)p[i];
    return h;
}

static void run_batch(void *arg, void *out)
{
    struct batch *b = arg;
    struct seen *s = out;
    static char **cmds[MAXJ];
    static struct job_result res[MAXJ];
    for (int i = 0; i < b->n; i++)
        cmds[i] = b->argv[i];
    s->rc = run_jobs(b->n, cmds, res);
    for (int i = 0; i < b->n; i++) {
        struct summary *m = &s->r[i];
        m->spawn_error = res[i].spawn_error;
        m->exit_status = res[i].exit_status;
        m->term_signal = res[i].term_signal;
        m->null_output = res[i].output == NULL;
        if (res[i].output) {
            m->len = res[i].output_len;
            m->hash = hash(res[i].output, res[i].output_len);
            snprintf(m->head, sizeof m->head, "%.*s",
                     (int)(res[i].output_len < sizeof m->head - 1
                           ? res[i].output_len : sizeof m->head - 1), res[i].output);
        }
    }
    free_job_results(b->n, res);
    uv_library_shutdown(); /* libuv's own signal pipe is not the learner's */
}

static struct gr_run run(struct batch *b, struct seen *s, const char *what)
{
    memset(s, 0, sizeof *s);
    struct gr_limits lim = { .timeout_s = 10 };
    struct gr_run r = gr_run_fn(run_batch, b, s, sizeof *s, &lim);
    gr_assert_clean(r, what);
    cr_assert_eq(s->rc, 0, "%s returned %d; it should return 0", what, s->rc);
    return r;
}

static void add(struct batch *b, const char *a0, const char *a1, const char *a2,
                const char *a3)
{
    const char *a[] = { a0, a1, a2, a3, NULL };
    for (int i = 0; i < 5; i++)
        b->argv[b->n][i] = (char *)a[i];
    b->n++;
}

static void expect_output(const struct summary *m, const char *what, const char *want)
{
    cr_assert(!m->null_output, "%s: the output should be a string ('' if the "
              "child wrote nothing), not NULL", what);
    cr_assert(m->len == strlen(want) && m->hash == hash(want, strlen(want)),
              "%s: the output should be '%s' (%zu bytes), got '%s' (%zu bytes)",
              what, shown(want), strlen(want), shown(m->head), m->len);
}

static void expect_exit(const struct summary *m, const char *what, int code, int sig)
{
    cr_assert_eq(m->spawn_error, 0, "%s: uv_spawn() should succeed, got %s", what,
                 uv_err_name(m->spawn_error));
    cr_assert(m->exit_status == code && m->term_signal == sig,
              "%s should end with exit status %d and signal %d, got %lld and %d",
              what, code, sig, (long long)m->exit_status, m->term_signal);
}

Test(spawner, one_echo)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "echo", "hello,", "world", NULL);
    run(&b, &s, "run_jobs(echo hello, world)");
    expect_exit(&s.r[0], "echo hello, world", 0, 0);
    expect_output(&s.r[0], "echo hello, world", "hello, world\n");
}

Test(spawner, no_jobs)
{
    struct batch b = { 0 };
    struct seen s;
    run(&b, &s, "run_jobs(0 jobs)");
}

Test(spawner, exit_statuses_and_signals)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "sh", "-c", "exit 3", NULL);
    add(&b, "sh", "-c", "kill -TERM $$", NULL);
    add(&b, "true", NULL, NULL, NULL);
    add(&b, "sh", "-c", "printf partial; exit 42", NULL);
    run(&b, &s, "run_jobs(4 jobs that end in different ways)");
    expect_exit(&s.r[0], "sh -c 'exit 3'", 3, 0);
    expect_exit(&s.r[1], "sh -c 'kill -TERM $$'", 0, SIGTERM);
    expect_exit(&s.r[2], "true", 0, 0);
    expect_output(&s.r[2], "true", "");
    expect_exit(&s.r[3], "sh -c 'printf partial; exit 42'", 42, 0);
    expect_output(&s.r[3], "sh -c 'printf partial; exit 42'", "partial");
}

Test(spawner, missing_program)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "no-such-program-5c", NULL, NULL, NULL);
    add(&b, "echo", "still", "here", NULL);
    run(&b, &s, "run_jobs(a missing program, then echo)");
    cr_assert_eq(s.r[0].spawn_error, UV_ENOENT,
                 "a program that does not exist: spawn_error should be UV_ENOENT "
                 "(%d), got %d (%s)", UV_ENOENT, s.r[0].spawn_error,
                 s.r[0].spawn_error ? uv_err_name(s.r[0].spawn_error) : "no error");
    expect_output(&s.r[0], "the missing program", "");
    expect_exit(&s.r[1], "echo after a missing program", 0, 0);
    expect_output(&s.r[1], "echo after a missing program", "still here\n");
}

/* Far more than a pipe holds (64 KiB): the child blocks until we read. */
Test(spawner, big_output)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "seq", "1", "200000", NULL);
    add(&b, "seq", "7", "7", "70000");
    run(&b, &s, "run_jobs(seq 1 200000, seq 7 7 70000)");
    static char want[1 << 21];
    size_t n = 0;
    for (int i = 1; i <= 200000; i++)
        n += (size_t)sprintf(want + n, "%d\n", i);
    expect_exit(&s.r[0], "seq 1 200000", 0, 0);
    cr_assert(s.r[0].len == n && s.r[0].hash == hash(want, n),
              "seq 1 200000 writes %zu bytes; got %zu bytes%s", n, s.r[0].len,
              s.r[0].len == n ? " but not the right ones" : "");
    n = 0;
    for (int i = 7; i <= 70000; i += 7)
        n += (size_t)sprintf(want + n, "%d\n", i);
    cr_assert(s.r[1].len == n && s.r[1].hash == hash(want, n),
              "seq 7 7 70000 writes %zu bytes; got %zu bytes", n, s.r[1].len);
}

/* The shell exits at once; a background subshell writes to the same pipe
 * 0.2 s later.  End of file comes only when the subshell is done. */
Test(spawner, output_after_exit)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "sh", "-c", "(sleep 0.2; echo late) & echo early", NULL);
    run(&b, &s, "run_jobs(sh -c '(sleep 0.2; echo late) & echo early')");
    expect_exit(&s.r[0], "sh -c '(sleep 0.2; echo late) & echo early'", 0, 0);
    cr_assert(s.r[0].len == 11 && strcmp(s.r[0].head, "early\nlate\n") == 0,
              "the child exited at once but its background subshell wrote "
              "'late' 0.2 s later to the same pipe: the output should be "
              "'early | late | ', got '%s'.  A job is finished at end of "
              "file, not at exit.", shown(s.r[0].head));
}

/* The child closes its stdout, then runs on for 0.2 s and exits with 4. */
Test(spawner, exit_after_output_closes)
{
    struct batch b = { 0 };
    struct seen s;
    add(&b, "sh", "-c", "echo out; exec >&-; sleep 0.2; exit 4", NULL);
    struct gr_run r = run(&b, &s, "run_jobs(sh -c 'echo out; exec >&-; sleep 0.2; exit 4')");
    expect_output(&s.r[0], "sh -c 'echo out; exec >&-; sleep 0.2; exit 4'", "out\n");
    cr_assert(s.r[0].exit_status == 4,
              "the child closed its output, then exited with 4 after 0.2 s: "
              "exit_status should be 4, got %lld.  A job is finished at its "
              "exit, not at end of file.", (long long)s.r[0].exit_status);
    (void)r;
}

Test(spawner, many_jobs)
{
    struct batch b = { 0 };
    struct seen s;
    static char num[MAXJ][12]; /* any int */
    for (int i = 0; i < 30; i++) {
        snprintf(num[i], sizeof num[i], "%d", i);
        add(&b, "sh", "-c", "sleep 0.0$(($0 % 5)); echo job $0; exit $0", num[i]);
    }
    run(&b, &s, "run_jobs(30 shells)");
    for (int i = 0; i < 30; i++) {
        char what[32], want[32];
        snprintf(what, sizeof what, "job %d of 30", i);
        snprintf(want, sizeof want, "job %d\n", i);
        expect_exit(&s.r[i], what, i, 0);
        expect_output(&s.r[i], what, want);
    }
}

/* ---- all at once ---------------------------------------------------------- */

Test(timing, children_run_at_once)
{
    struct batch one = { 0 }, four = { 0 };
    struct seen s;
    add(&one, "sleep", "0.3", NULL, NULL);
    for (int i = 0; i < 4; i++)
        add(&four, "sleep", "0.3", NULL, NULL);
    double t1 = run(&one, &s, "run_jobs(sleep 0.3)").wall;
    double t4 = run(&four, &s, "run_jobs(4 x sleep 0.3)").wall;
    cr_assert(t4 < 1.6 * t1,
              "one `sleep 0.3` took %.2f s; four of them should take about as "
              "long when they run at once, but took %.2f s (%.1f times as "
              "long): start every child before waiting for any",
              t1, t4, t4 / t1);
}
