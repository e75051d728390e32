/* The sandbox must name every kind of trouble in learner code, and
 * survive it.  Each test runs a small misbehaving function and checks the
 * sentence the grader makes of it. */
#include "grader.h"

#include "timing.h"
#include "todo.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct gr_run run(gr_fn fn, double timeout_s)
{
    struct gr_limits lim = { .timeout_s = timeout_s, .max_forks = 32 };
    return gr_run_fn(fn, NULL, NULL, 0, &lim);
}

#define expect(run_call, outcome_, text)                                    \
    do {                                                                    \
        struct gr_run r_ = (run_call);                                      \
        cr_assert_eq(r_.outcome, (outcome_), "outcome %d, problem: %s",     \
                     r_.outcome, r_.problem);                               \
        cr_assert(strstr(r_.problem, (text)), "problem \"%s\" should "      \
                  "mention \"%s\"", r_.problem, (text));                    \
    } while (0)

static void clean(void *arg, void *out)
{
    (void)arg;
    *(int *)out = 42;
}

Test(sandbox, clean_run_returns_results)
{
    int got = 0;
    struct gr_run r = gr_run_fn(clean, NULL, &got, sizeof got, NULL);
    cr_assert_eq(r.outcome, GR_OK);
    cr_assert_str_empty(r.problem, "unexpected problem: %s", r.problem);
    cr_assert_eq(got, 42);
}

static void fork_bomb(void *arg, void *out)
{
    (void)arg, (void)out;
    for (;;)
        fork();
}

Test(sandbox, fork_loop_is_contained)
{
    struct gr_run r = run(fork_bomb, 2);
    expect(r, GR_TIMEOUT, "fork loop");
    cr_assert_leq(r.forks, 40, "the cap should stop forks near 32, saw %d", r.forks);
}

static void hang(void *arg, void *out)
{
    (void)arg, (void)out;
    for (;;)
        pause();
}

Test(sandbox, hang_times_out)
{
    double t0 = now_s();
    expect(run(hang, 0.5), GR_TIMEOUT, "did not finish within 0.5 s");
    cr_assert_lt(now_s() - t0, 1.5, "stopping a hung run took too long");
}

static void segfault(void *arg, void *out)
{
    (void)out;
    *(volatile int *)arg = 1;
}

Test(sandbox, crash_is_named)
{
    expect(run(segfault, 5), GR_CRASH, "store to null pointer");
}

static void overflow(void *arg, void *out)
{
    (void)arg, (void)out;
    volatile char *p = malloc(8);
    volatile int i = 8;
    p[i] = 1;
    free((void *)p);
}

Test(sandbox, heap_overflow_is_named)
{
    expect(run(overflow, 5), GR_CRASH, "heap-buffer-overflow in overflow()");
}

static void signed_overflow(void *arg, void *out)
{
    (void)arg, (void)out;
    volatile int x = INT_MAX;
    x = x + 1;
}

Test(sandbox, undefined_behaviour_is_named)
{
    expect(run(signed_overflow, 5), GR_CRASH, "signed integer overflow");
}

static void exits(void *arg, void *out)
{
    (void)arg, (void)out;
    exit(3);
}

Test(sandbox, exit_instead_of_return)
{
    expect(run(exits, 5), GR_EXITED, "exit(3)");
}

static void stub(void *arg, void *out)
{
    (void)arg, (void)out;
    TODO("write me");
}

Test(sandbox, todo_is_not_started)
{
    expect(run(stub, 5), GR_NOT_STARTED, "not started: stub()");
}

static void zombie(void *arg, void *out)
{
    (void)arg, (void)out;
    if (fork() == 0)
        _exit(0);
    usleep(100000);
}

Test(sandbox, zombie_is_reported)
{
    expect(run(zombie, 5), GR_OK, "1 child process was never waited for");
}

static void orphan(void *arg, void *out)
{
    (void)arg, (void)out;
    if (fork() == 0) {
        sleep(30);
        _exit(0);
    }
}

Test(sandbox, running_child_is_reported_and_killed)
{
    expect(run(orphan, 5), GR_OK, "1 child process was still running");
}

static void *forever(void *arg)
{
    for (;;)
        pause();
    return arg;
}

static void stray_thread(void *arg, void *out)
{
    (void)arg, (void)out;
    pthread_t t;
    pthread_create(&t, NULL, forever, NULL);
}

Test(sandbox, unjoined_thread_is_reported)
{
    expect(run(stray_thread, 5), GR_OK, "1 thread was still running");
}

static void fd_leak(void *arg, void *out)
{
    (void)arg, (void)out;
    int p[2];
    if (pipe(p) == 0)
        close(p[0]);
}

Test(sandbox, leaked_descriptor_is_reported)
{
    expect(run(fd_leak, 5), GR_OK, "1 file descriptor was left open (fd");
    expect(run(fd_leak, 5), GR_OK, "is a pipe");
}

static void *kept;

static void mem_leak(void *arg, void *out)
{
    (void)arg, (void)out;
    kept = malloc(10); /* still reachable: not a leak */
    char *lost = malloc(100);
    lost[0] = 1;
    lost = NULL;
}

Test(sandbox, memory_leak_is_reported)
{
    expect(run(mem_leak, 5), GR_OK, "100 bytes of memory leaked in 1 allocation");
}

static void hog_memory(void *arg, void *out)
{
    (void)arg, (void)out;
    for (;;) { /* touch every page, so it is resident */
        char *p = malloc(1 << 20);
        if (p)
            memset(p, 1, 1 << 20);
    }
}

Test(sandbox, memory_hog_is_stopped)
{
    struct gr_limits lim = { .timeout_s = 10, .mem_mb = 200 };
    double t0 = now_s();
    expect(gr_run_fn(hog_memory, NULL, NULL, 0, &lim), GR_CRASH,
           "used more than 200 MB of memory");
    cr_assert_lt(now_s() - t0, 5, "the memory watch took too long to act");
}

static void server(void *arg, void *out)
{
    (void)arg;
    *(int *)out = 1;
    for (;;)
        pause(); /* until SIGTERM */
}

Test(sandbox, background_run_is_stopped)
{
    struct gr_proc p;
    struct gr_limits lim = { .timeout_s = 2 };
    cr_assert_eq(gr_start(&p, server, NULL, sizeof(int), &lim), 0);
    int out = 0;
    struct gr_run r = gr_finish(&p, SIGTERM, &out);
    expect(r, GR_CRASH, "SIGTERM");
}
