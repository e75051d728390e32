/* The sandbox must name every kind of trouble in learner code, and
 * survive it.  Each test runs a small misbehaving function and checks the
 * sentence the grader makes of it. */
#define _GNU_SOURCE
#include "grader.h"

#include "timing.h"
#include "todo.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

/* Past the cap the call has failed, and a loop that retries fork() would
 * spin until the deadline: it is stopped about a second after the cap
 * (sandbox.c, CAP_GRACE_S), long before its 30 s limit. */
Test(sandbox, fork_loop_is_contained)
{
    double t0 = now_s();
    struct gr_run r = run(fork_bomb, 30);
    double took = now_s() - t0;
    expect(r, GR_TIMEOUT, "fork loop");
    cr_assert(strstr(r.problem, "the code was stopped"), "problem: %s", r.problem);
    cr_assert_leq(r.forks, 40, "the cap should stop forks near 32, saw %d", r.forks);
    cr_assert_lt(took, 10, "a fork loop past the cap ran %.1f s of its 30 s limit: "
                 "it should be stopped about 1 s after the cap", took);
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

/* Children forked by a thread that has since been joined: the kernel
 * moves them to another thread's list (/proc/self/task/TID/children,
 * which the sandbox reads), so they are still found. */
static void *fork_two(void *arg)
{
    (void)arg;
    if (fork() == 0)
        _exit(0); /* a zombie */
    if (fork() == 0) {
        sleep(30);
        _exit(0);
    }
    return NULL;
}

/* body() on a thread of its own, joined before the call returns. */
static void in_a_joined_thread(void *(*body)(void *))
{
    pthread_t t;
    pthread_create(&t, NULL, body, NULL);
    pthread_join(t, NULL);
}

static void children_of_a_joined_thread(void *arg, void *out)
{
    (void)arg, (void)out;
    in_a_joined_thread(fork_two);
    usleep(100000);
}

Test(sandbox, children_of_a_joined_thread_are_found)
{
    struct gr_run r = run(children_of_a_joined_thread, 5);
    cr_assert(strstr(r.problem, "1 child process was never waited for"), "%s", r.problem);
    cr_assert_eq(r.zombies, 1, "zombies: %d", r.zombies);
    cr_assert_eq(r.running_children, 1, "children still running: %d", r.running_children);
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

/* The sandbox checks for leaks only after a call that allocated or freed
 * something (sandbox.c, heap_touched): a block lost by a thread the call
 * joined, or in a realloc(), still counts. */
static void *leak_in_thread(void *arg)
{
    (void)arg;
    char *lost = realloc(NULL, 64);
    lost[0] = 1;
    return NULL;
}

static void thread_leak(void *arg, void *out)
{
    (void)arg, (void)out;
    in_a_joined_thread(leak_in_thread);
}

Test(sandbox, memory_leak_in_a_joined_thread_is_reported)
{
    expect(run(thread_leak, 5), GR_OK, "64 bytes of memory leaked in 1 allocation");
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

/* ---- escapes and budgets (issue 15, classes 6, 9 and 11) -------------- */

/* A double fork with setsid(): the grandchild leaves the call's process
 * group and would outlive the call.  It writes its pid to `out`. */
static void daemonise(void *arg, void *out)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0) {
        setsid();
        if (fork() == 0) {
            *(volatile pid_t *)out = getpid();
            for (;;)
                pause();
        }
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    while (*(volatile pid_t *)out == 0)
        usleep(1000);
}

Test(sandbox, daemon_is_reported_and_killed)
{
    pid_t daemon = 0;
    struct gr_run r = gr_run_fn(daemonise, NULL, &daemon, sizeof daemon, NULL);
    cr_assert_eq(r.outcome, GR_ESCAPED, "outcome %d, problem: %s", r.outcome, r.problem);
    cr_assert(strstr(r.problem, "a process outlived the call (it left its "
                     "process group: a daemon?)"), "problem: %s", r.problem);
    cr_assert_gt(daemon, 0, "the daemon never reported its pid");
    cr_assert(kill(daemon, 0) != 0, "the daemon (pid %d) is still alive after "
              "the call, with %s", (int)daemon, gr_containment());
}

/* The grader's own calls join no cgroup (sandbox.c), so the same escape
 * is found by the walk of /proc, which such a call skips only where it
 * forked nothing: this one forked twice. */
Test(sandbox, daemon_of_a_grader_call_is_found_by_the_proc_walk)
{
    pid_t daemon = 0;
    struct gr_limits lim = { .grader_code = 1 };
    struct gr_run r = gr_run_fn(daemonise, NULL, &daemon, sizeof daemon, &lim);
    cr_assert_eq(r.outcome, GR_ESCAPED, "outcome %d, problem: %s", r.outcome, r.problem);
    cr_assert_gt(daemon, 0, "the daemon never reported its pid");
    cr_assert(kill(daemon, 0) != 0, "the daemon (pid %d) is still alive after the call",
              (int)daemon);
}

/* fork() through syscall(): the fork wrapper never sees it. */
static void raw_fork_bomb(void *arg, void *out)
{
    (void)arg, (void)out;
    for (;;)
        syscall(SYS_fork);
}

Test(sandbox, raw_fork_loop_is_contained)
{
    if (strncmp(gr_budget_mechanism(), "cgroup", 6) != 0)
        cr_skip_test("skipped: no pids cgroup here (%s)", gr_budget_mechanism());
    struct gr_limits lim = { .timeout_s = 1, .max_tasks = 40 };
    struct gr_run r = gr_run_fn(raw_fork_bomb, NULL, NULL, 0, &lim);
    cr_assert(strstr(r.problem, "more than 40 processes and threads alive at "
                     "once"), "problem: %s", r.problem);
    cr_assert_leq(r.peak_tasks, 40, "the cgroup let %d tasks live at once", r.peak_tasks);
}

/* This process's pids cgroup (v1) folder, or "" when it has none. */
static void own_pids_dir(char *dir, size_t n)
{
    char line[512];
    dir[0] = '\0';
    FILE *f = fopen("/proc/self/cgroup", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *at = strstr(line, ":pids:");
        if (at) {
            at[strcspn(at, "\n")] = '\0';
            snprintf(dir, n, "/sys/fs/cgroup/pids%s", at + 6);
        }
    }
    if (f)
        fclose(f);
}

/* The call's cgroup is the user's own, so code can raise its own cap:
 * it writes "max" into pids.max, then forks past the old cap. */
static void raise_own_cap(void *arg, void *out)
{
    (void)arg;
    char dir[600], path[700] = "";
    own_pids_dir(dir, sizeof dir);
    if (dir[0])
        snprintf(path, sizeof path, "%s/pids.max", dir);
    FILE *cap = path[0] ? fopen(path, "w") : NULL;
    *(int *)out = cap && fputs("max", cap) >= 0 && fclose(cap) == 0;
    pid_t kids[50];
    int n = 0;
    while (n < 50 && (kids[n] = (pid_t)syscall(SYS_fork)) >= 0) {
        if (kids[n] == 0) {
            usleep(100000);
            _exit(0);
        }
        n++;
    }
    while (n > 0)
        waitpid(kids[--n], NULL, 0);
}

Test(sandbox, raising_its_own_cap_is_caught)
{
    if (strncmp(gr_budget_mechanism(), "cgroup", 6) != 0)
        cr_skip_test("skipped: no pids cgroup here (%s)", gr_budget_mechanism());
    int raised = 0;
    struct gr_limits lim = { .timeout_s = 2, .max_tasks = 20 };
    struct gr_run r = gr_run_fn(raise_own_cap, NULL, &raised, sizeof raised, &lim);
    if (!raised)
        cr_skip_test("skipped: the call's pids.max is not writable here, so the "
                     "code cannot raise its cap (%s)", gr_budget_mechanism());
    cr_assert(strstr(r.problem, "changed its own task cap"), "a call that wrote "
              "'max' into its own pids.max was not caught; problem: '%s'", r.problem);
}

/* The call's own pids cgroup folder, as its child sees it. */
static void pids_dir_of_call(void *arg, void *out)
{
    (void)arg;
    own_pids_dir(out, 600);
}

/* The grader's own code (a kernel, a reference) joins no cgroup, which
 * costs a grace period on cgroup v1; the learner's code always does, and
 * a call of the grader's leaves what gr_budget_mechanism() names alone. */
Test(sandbox, only_the_graders_own_code_runs_without_a_budget)
{
    if (strncmp(gr_budget_mechanism(), "cgroup", 6) != 0)
        cr_skip_test("skipped: no pids cgroup here (%s)", gr_budget_mechanism());
    char mine[600], learner[600] = "", grader[600] = "";
    own_pids_dir(mine, sizeof mine);
    struct gr_limits lim = { .timeout_s = 2 }, own = { .timeout_s = 2, .grader_code = 1 };
    struct gr_run r = gr_run_fn(pids_dir_of_call, NULL, learner, sizeof learner, &lim);
    gr_assert_clean(r, "the learner's call");
    r = gr_run_fn(pids_dir_of_call, NULL, grader, sizeof grader, &own);
    gr_assert_clean(r, "the grader's call");
    cr_assert(strcmp(learner, mine) != 0, "a learner's call ran in the test's own cgroup %s", mine);
    cr_assert_str_eq(grader, mine, "the grader's own code joined a cgroup (%s)", grader);
    cr_assert(strncmp(gr_budget_mechanism(), "cgroup", 6) == 0, "after a call of the "
              "grader's own code, the budget is named as %s", gr_budget_mechanism());
}

/* Above the calls, the phase's cgroup (grade.py) caps the tasks too, and
 * the user the tests run as can neither change that cap nor join it. */
Test(sandbox, the_phase_cap_is_not_the_users)
{
    char dir[600], path[700];
    own_pids_dir(dir, sizeof dir);
    if (!dir[0] || geteuid() == 0 || !strstr(dir, "/grader-run-"))
        cr_skip_test("skipped: not in a phase's cgroup made by grade.py as root "
                     "(euid %d, pids cgroup '%s')", (int)geteuid(), dir);
    snprintf(path, sizeof path, "%s/pids.max", dir);
    FILE *cap = fopen(path, "r");
    long max = -1;
    cr_assert(cap && fscanf(cap, "%ld", &max) == 1 && max > 0,
              "the phase's cgroup %s has no numeric pids.max", dir);
    fclose(cap);
    cr_assert(access(path, W_OK) != 0, "the user the tests run as may write %s", path);
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    cr_assert(access(path, W_OK) != 0, "the user the tests run as may write %s: code "
              "under test could leave its call's cgroup for the phase's", path);
}

/* 150 threads inside one child process: one fork, 151 tasks. */
static void *nap(void *arg)
{
    usleep(200000);
    return arg;
}

static void threads_in_a_child(void *arg, void *out)
{
    (void)arg, (void)out;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t[150];
        for (int i = 0; i < 150; i++)
            pthread_create(&t[i], NULL, nap, NULL);
        for (int i = 0; i < 150; i++)
            pthread_join(t[i], NULL);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

Test(sandbox, threads_in_a_child_count)
{
    struct gr_run r = gr_run_fn(threads_in_a_child, NULL, NULL, 0, NULL);
    cr_assert_eq(r.outcome, GR_OK, "problem: %s", r.problem);
    cr_assert_eq(r.forks, 1);
    cr_assert_geq(r.peak_tasks, 150, "150 threads in a child counted as %d "
                  "tasks at once (%s)", r.peak_tasks, gr_budget_mechanism());
}

/* Burn `arg` ms of this thread's CPU time (wall time would vary with
 * the machine's load). */
static void *spin_ms(void *arg)
{
    struct timespec ts;
    do
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    while (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < (long)arg);
    return NULL;
}

static void three_threads(void *arg, void *out)
{
    (void)arg, (void)out;
    pthread_t t[3];
    for (long i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, spin_ms, (void *)(30 * (i + 1)));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
}

Test(sandbox, threads_created_and_their_cpu)
{
    struct gr_run r = gr_run_fn(three_threads, NULL, NULL, 0, NULL);
    cr_assert_eq(r.outcome, GR_OK, "problem: %s", r.problem);
    cr_assert_eq(r.threads_created, 3, "3 threads counted as %d", r.threads_created);
    for (int i = 0; i < 3; i++)
        cr_assert(r.thread_cpu[i] > 0.005 && r.thread_cpu[i] < 1, "thread %d "
                  "used %.3f s of CPU, not about %d ms", i, r.thread_cpu[i], 30 * (i + 1));
}

static void kills_the_test(void *arg, void *out)
{
    (void)arg, (void)out;
    kill(getppid(), SIGKILL);
}

static void kills_everything(void *arg, void *out)
{
    (void)arg, (void)out;
    kill(-1, SIGKILL);
}

Test(sandbox, killing_the_test_process_is_refused)
{
    expect(run(kills_the_test, 5), GR_ESCAPED, "tried to kill the test process with kill(");
    expect(run(kills_everything, 5), GR_ESCAPED, "kill(-1, SIGKILL)");
}

/* Past the refusal (a raw syscall), the test process dies; the marker in
 * $GRADER_STATE_DIR says which test died during a call. */
static void raw_kills_the_test(void *arg, void *out)
{
    (void)arg, (void)out;
    syscall(SYS_kill, getppid(), SIGKILL);
    pause();
}

Test(sandbox, a_killed_test_process_leaves_its_marker)
{
    char dir[] = "/tmp/grader-state-XXXXXX";
    cr_assert(mkdtemp(dir));
    setenv("GRADER_STATE_DIR", dir, 1);
    fflush(NULL);
    pid_t tester = fork();
    if (tester == 0) { /* a test process of its own, to be killed */
        gr_run_fn(raw_kills_the_test, NULL, NULL, 0, NULL);
        _exit(0);
    }
    int status;
    waitpid(tester, &status, 0);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    char cmd[200], text[200] = "";
    snprintf(cmd, sizeof cmd, "cat %s/call.%d.* 2>/dev/null; rm -rf %s", dir,
             (int)tester, dir);
    FILE *f = popen(cmd, "r");
    cr_assert(f && fgets(text, sizeof text, f), "no marker was left in %s", dir);
    pclose(f);
    cr_assert(strstr(text, "sandbox/a_killed_test_process_leaves_its_marker"),
              "the marker says \"%s\"", text);
}

/* The timing suite must look like every other to learner code. */
struct seen {
    char cmdline[256];
    int cmdline_len;
    char secret[64];
    int environ_has_secret;
};

static void look_around(void *arg, void *out)
{
    (void)arg;
    struct seen *s = out;
    int fd = open("/proc/self/cmdline", O_RDONLY);
    s->cmdline_len = (int)read(fd, s->cmdline, sizeof s->cmdline - 1);
    close(fd);
    const char *v = getenv("GRADER_SUITE_HINT");
    snprintf(s->secret, sizeof s->secret, "%s", v ? v : "");
    char buf[65536];
    fd = open("/proc/self/environ", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    s->environ_has_secret = memmem(buf, n > 0 ? n : 0, "speedup", 7) != NULL;
}

Test(sandbox, argv_and_environment_are_hidden)
{
    setenv("GRADER_SUITE_HINT", "speedup", 1);
    struct seen s = { 0 };
    struct gr_run r = gr_run_fn(look_around, NULL, &s, sizeof s, NULL);
    cr_assert_eq(r.outcome, GR_OK, "problem: %s", r.problem);
    for (int i = 0; i < s.cmdline_len; i++)
        cr_assert_eq(s.cmdline[i], '\0', "/proc/self/cmdline still shows \"%s\"",
                     s.cmdline + i);
    cr_assert_str_empty(s.secret, "getenv() still sees %s", s.secret);
    cr_assert(!s.environ_has_secret, "/proc/self/environ still shows it");
}

static void parent_and_child(void *arg, void *out)
{
    (void)arg, (void)out;
    pid_t pid = fork();
    if (pid == 0) {
        spin_ms((void *)200L);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

Test(sandbox, own_and_children_cpu_apart)
{
    struct gr_run r = gr_run_fn(parent_and_child, NULL, NULL, 0, NULL);
    cr_assert_eq(r.outcome, GR_OK, "problem: %s", r.problem);
    cr_assert(r.children_cpu > 0.1, "children used %.3f s", r.children_cpu);
    cr_assert(r.self_cpu < r.children_cpu / 2, "the caller used %.3f s, its "
              "children %.3f s", r.self_cpu, r.children_cpu);
}

Test(sandbox, seed_from_the_environment)
{
    setenv("GRADER_SEED", "4242", 1);
    cr_assert_eq(gr_seed(), 4242UL);
    cr_assert_eq(gr_seed(), 4242UL, "the seed must stay the same in one run");
}

/* Which budget and which sweep this machine gives the sandbox, in the
 * log, for the guide and for anyone reading a grading run. */
Test(sandbox, names_its_mechanisms)
{
    const char *budget = gr_budget_mechanism(), *sweep = gr_containment();
    cr_log_info("task budget: %s; leftovers found by: %s", budget, sweep);
    cr_assert(budget[0] && sweep[0]);
}

/* ---- gr_settle(): sleeping threads are told from running ones ---------- */

struct settled {
    int sleepers_seen, spinner_seen, busy_seen;
    double busy_took;
};

static _Atomic int settle_tids[2];
static _Atomic int settle_stop;
static pthread_mutex_t settle_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t settle_cond = PTHREAD_COND_INITIALIZER;

static void *settle_sleeper(void *arg)
{
    atomic_store(&settle_tids[(long)arg], gr_tid());
    pthread_mutex_lock(&settle_lock);
    while (!atomic_load(&settle_stop))
        pthread_cond_wait(&settle_cond, &settle_lock);
    pthread_mutex_unlock(&settle_lock);
    return NULL;
}

static void *settle_spinner(void *arg)
{
    atomic_store(&settle_tids[(long)arg], gr_tid());
    while (!atomic_load(&settle_stop))
        ;
    return NULL;
}

/* Stop both threads, whatever they are doing, and join them. */
static void settle_release(pthread_t t[2])
{
    pthread_mutex_lock(&settle_lock);
    atomic_store(&settle_stop, 1);
    pthread_cond_broadcast(&settle_cond);
    pthread_mutex_unlock(&settle_lock);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
}

static void settle_both(void *arg, void *out)
{
    (void)arg;
    struct settled *s = out;
    pthread_t t[2];
    pthread_create(&t[0], NULL, settle_sleeper, (void *)0L);
    pthread_create(&t[1], NULL, settle_sleeper, (void *)1L);
    s->sleepers_seen = gr_settle(settle_tids, 2, 1000);
    settle_release(t);
    atomic_store(&settle_stop, 0);
    atomic_store(&settle_tids[1], 0);
    pthread_create(&t[0], NULL, settle_sleeper, (void *)0L);
    pthread_create(&t[1], NULL, settle_spinner, (void *)1L);
    s->spinner_seen = gr_settle(settle_tids, 2, 200);
    double t0 = now_s(); /* the spinner still spins: no need to wait 5 s */
    s->busy_seen = gr_settle_unless_busy(settle_tids, 2, 5000, 0.05);
    s->busy_took = now_s() - t0;
    settle_release(t);
}

Test(settle, sleepers_are_seen_and_a_spinner_is_not)
{
    struct settled s = { 0 };
    struct gr_run r = gr_run_fn(settle_both, NULL, &s, sizeof s, NULL);
    gr_assert_clean(r, "gr_settle() on two sleepers, then a sleeper and a spinner");
    cr_assert_eq(s.sleepers_seen, 2, "gr_settle() saw %d of 2 threads blocked "
                 "on a condition variable within 1 s", s.sleepers_seen);
    cr_assert_eq(s.spinner_seen, 1, "gr_settle() counted %d of a sleeper and "
                 "a spinning thread as asleep (1 expected)", s.spinner_seen);
    cr_assert_eq(s.busy_seen, 1, "gr_settle_unless_busy() counted %d of a sleeper "
                 "and a spinning thread as asleep (1 expected)", s.busy_seen);
    cr_assert_lt(s.busy_took, 2.5, "gr_settle_unless_busy() waited %.1f s of 5 s for "
                 "a thread that spun: it should give up once 0.05 s of CPU was "
                 "used", s.busy_took);
}
