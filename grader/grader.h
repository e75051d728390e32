/* grader.h: the autograder core that every chapter's tests share.
 *
 * Learner code never runs inside the test process itself.  gr_run_fn()
 * runs it in a contained child (the "sandbox"): its own process group, a
 * wall-clock timeout, CPU and memory limits and a cap on fork().  When the
 * code returns, the sandbox looks for what it left behind (zombies,
 * children still running, threads never joined, open descriptors, leaked
 * memory) and turns each finding into one sentence.  A hang, a crash or a
 * fork loop therefore fails one test with a diagnosis, and the grader goes
 * on. */
#ifndef GRADER_H
#define GRADER_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct gr_limits {
    double timeout_s;   /* wall-clock limit; 0 means 10 s */
    int max_forks;      /* fork() calls allowed in all; 0 means 64 */
    int cpu_s;          /* CPU seconds per process; 0 means 2 x timeout */
    long mem_mb;        /* address space per process (not under ASan); 0: 2048 */
    int allow_threads;  /* threads may outlive the call (a server still up) */
    int allow_children; /* children may outlive the call */
    int no_leak_check;  /* skip LeakSanitizer (a library caches memory) */
    int fds_may_stay;   /* descriptors may stay open (a server still up) */
    int max_tasks;      /* processes and threads alive at once, all counted
                           (cgroup pids.max); 0 means max_forks + 1024 */
    int grader_code;    /* the grader's own code (a kernel, a reference):
                           no task budget, so no cgroup to join (sandbox.c) */
};

enum gr_outcome {
    GR_OK,          /* returned; see `problem` for what it left behind */
    GR_NOT_STARTED, /* the stub's TODO() was reached */
    GR_TIMEOUT,
    GR_CRASH,       /* killed by a signal or a sanitizer */
    GR_EXITED,      /* called exit() instead of returning */
    GR_ESCAPED,     /* reached outside the sandbox: a process outlived the
                       call, or it signalled the test process */
};

/* Threads whose CPU time a run records, in the order they were created. */
#define GR_THREADS_SEEN 64

struct gr_run {
    enum gr_outcome outcome;
    int sig, exit_code;
    double wall, user, sys; /* around the call; waited-for children count */
    int forks, zombies, running_children, threads_left, fds_left;
    long leaked_bytes;
    double self_cpu;     /* CPU seconds of the calling process, its threads
                            included; children_cpu: its waited-for children */
    double children_cpu;
    int peak_tasks;      /* most tasks alive at once in the sandbox, threads
                            and the sandbox itself included; 0: unknown */
    int threads_created; /* pthread_create() calls that succeeded */
    double thread_cpu[GR_THREADS_SEEN]; /* CPU seconds of each such thread */
    int escaped;         /* processes found alive outside its process group */
    char problem[768];  /* the first problem as a sentence; "" when clean */
    char output[4096];  /* the end of what the code wrote to stderr */
    char stdout_text[8192]; /* the start of what it wrote to stdout */
};

/* The learner-facing call: runs in the sandbox with `arg` (copied by
 * fork) and writes its results to `out` (shared with the test). */
typedef void (*gr_fn)(void *arg, void *out);

/* Run fn in the sandbox and wait for it.  `out` (out_size bytes) receives
 * what fn wrote to its `out`.  lim may be NULL for the defaults. */
struct gr_run gr_run_fn(gr_fn fn, void *arg, void *out, size_t out_size,
                        const struct gr_limits *lim);

/* The same in the background, for servers: start, talk to it, finish.
 * gr_finish() sends `sig` (0 for none), waits up to the timeout, kills the
 * whole process group and returns the diagnosis. */
struct gr_proc {
    pid_t pid;
    void *shared;
    int out_fd, err_fd; /* memfds holding what the child wrote */
    size_t out_size;
    double deadline;
    struct gr_limits lim;
    char cgroup[200];   /* this call's pids cgroup; "" when there is none */
    int cgroup_v2, peak_sampled;
    char marker[240];   /* $GRADER_STATE_DIR/call.* while the call runs */
};
int gr_start(struct gr_proc *p, gr_fn fn, void *arg, size_t out_size,
             const struct gr_limits *lim);
struct gr_run gr_finish(struct gr_proc *p, int sig, void *out);

/* In a sandboxed child: close the test process's connection to
 * Criterion's runner (channel.c). */
void gr_close_runner_fds(void);

/* Fail the current test unless the run was clean.  The message is the
 * run's first problem, prefixed by `what` (e.g. "count_primes(0, 10)"). */
#define gr_assert_clean(run, what)                                          \
    do {                                                                    \
        if ((run).problem[0])                                               \
            cr_assert_fail("%s: %s", (what), (run).problem);                       \
    } while (0)

/* Same, but crashes, hangs and TODOs only: leftovers are allowed. */
#define gr_assert_returned(run, what)                                       \
    do {                                                                    \
        if ((run).outcome != GR_OK)                                         \
            cr_assert_fail("%s: %s", (what), (run).problem);                       \
    } while (0)

/* Same, but only a stub (TODO() reached): a timed test calls the learner
 * cheaply first, so that a stub fails before seconds of measurements. */
#define gr_assert_started(run, what)                                        \
    do {                                                                    \
        struct gr_run gr_r_ = (run); /* a call: evaluated once */           \
        if (gr_r_.outcome == GR_NOT_STARTED)                                \
            cr_assert_fail("%s: %s", (what), gr_r_.problem);                \
    } while (0)

/* The command that re-runs this exercise, for messages. */
const char *gr_rerun(void);

/* This run's seed, for inputs the learner cannot predict: GRADER_SEED
 * from the environment when set (make check SEED=N), else drawn once per
 * process from getrandom().  Call it in the test, never in learner code,
 * and put "seed N" in every failure message of a test that uses it. */
unsigned long gr_seed(void);

/* Whether timed tests may stop measuring once their verdict is clear by
 * a wide margin (speedup.c, mpijob.c, server.c, balance.h, the mixed
 * test): yes, unless GRADER_EARLY=0, which tools/fairness.py uses to
 * compare. */
int gr_early(void);

/* How this machine contains the sandbox, in words, for the report: the
 * task budget ("cgroup v1 pids", "cgroup v2 pids", "RLIMIT_NPROC" or
 * "the fork() wrapper only") and the way leftovers are found after a call
 * ("the pids cgroup" or "a child subreaper and a /proc walk"). */
const char *gr_budget_mechanism(void);
const char *gr_containment(void);

/* ---- threads that must be asleep before a test goes on ------------- */

/* This thread's kernel id, for gr_settle(); a thread stores it in a slot
 * the test reads (0 there means "not started yet"). */
int gr_tid(void);

/* Wait up to `ms` until every thread in tids[0..n) sleeps in the kernel
 * (blocked on a condition variable, a mutex or a timer); how many do.
 * With tids NULL: until n threads of this process, the caller aside, do
 * (threads that learner code made, whose ids the test cannot know). */
int gr_settle(_Atomic int *tids, int n, int ms);
/* Same, but giving up once this process has used cpu_s of CPU time since
 * the call (its own look at /proc takes about 0.1 ms a tick): threads that
 * spin never sleep, and a test of idle waiting can see that at once
 * instead of after `ms`. */
int gr_settle_unless_busy(_Atomic int *tids, int n, int ms, double cpu_s);

/* ---- speedup: judged against the machine, in the same run ---------- */

struct gr_speedup {
    gr_fn parallel;     /* the learner's version, given `workers` workers */
    void *parallel_arg;
    gr_fn sequential;   /* the reference, on one core */
    void *sequential_arg;
    size_t out_size;    /* both write a result of this size; they must agree */
    int workers;        /* workers the parallel version uses */
    int rounds;         /* interleaved rounds; 0 means 5 */
    double pass_mark;   /* (its speedup) / (kernel's speedup); 0 means 0.75 */
    int children_work;  /* the contract says child processes do the work:
                           the caller's own CPU time must stay a small part */
    const char *what;   /* e.g. "count_primes_threads(0, 2000000, 2)" */
    /* Optional: one step of the test's own kind of work, for a second
     * calibration kernel.  Two cores can share one physical core (a VM's
     * two vCPUs on one core's two hardware threads, at some moments and
     * not others); work that keeps the multipliers busy, like mix64(),
     * then slows far more when both run than the judge's kernel, a chain
     * that mostly waits on its own last result.  A round counts only
     * where this kernel's speedup is at least 0.85 of the chain's (a load
     * beside the grader slows both alike); the score still divides by
     * the chain's, so that slowing the cores cannot lift a score. */
    uint64_t (*kernel_step)(uint64_t i);
    /* Without kernel_step, a failing round in which the code used far more
     * CPU time than the reference is checked with a kernel of divisions,
     * the prime counts' work (stop.h, gr_check_work), before it counts;
     * check_step replaces the divisions (for the grader's own tests). */
    uint64_t (*check_step)(uint64_t i);
};

enum gr_verdict { GR_PASS, GR_FAIL, GR_SKIP };

/* Judge a speedup and explain the verdict in msg.  It skips on one usable
 * core, and as inconclusive when the calibration kernel itself cannot
 * reach a speedup (a busy machine); otherwise it passes or fails with the
 * measured numbers. */
enum gr_verdict gr_judge_speedup(const struct gr_speedup *s, char *msg,
                                 size_t n);

/* Put a verdict to the current Criterion test. */
#define gr_assert_verdict(judge_call)                                       \
    do {                                                                    \
        char gr_msg_[1024];                                                 \
        enum gr_verdict gr_v_ = judge_call;                                 \
        if (gr_v_ == GR_SKIP)                                               \
            cr_skip_test("%s", gr_msg_);                                    \
        if (gr_v_ == GR_FAIL)                                               \
            cr_assert_fail("%s", gr_msg_);                                  \
    } while (0)

#define gr_assert_speedup(s)                                                \
    gr_assert_verdict(gr_judge_speedup((s), gr_msg_, sizeof gr_msg_))

/* ---- ThreadSanitizer: a separate driver binary --------------------- */

/* Criterion and TSan cannot share a binary, so each thread exercise has a
 * driver, tests/NN-slug/NAME.tsan.c, built with -fsanitize=thread next to
 * the test binary.  This runs it and fails the test with the first race,
 * naming both accesses and their lines. */
enum gr_verdict gr_judge_race(const char *driver_args, double timeout_s,
                              char *msg, size_t n);
#define gr_assert_no_race(args, timeout_s)                                  \
    gr_assert_verdict(gr_judge_race((args), (timeout_s), gr_msg_, sizeof gr_msg_))

#endif
