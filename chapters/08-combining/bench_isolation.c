/* bench_isolation.c: what a process pool's isolation costs next to a
 * thread pool, both driven by chapter 8's loop.
 *
 * Both pools get one worker per core and keep exactly one task per
 * worker in flight (the process pool's discipline), so they differ only
 * in what a hand-off is: a mutex, a condition variable and an eventfd, or
 * a message each way over a socketpair to another process.  Measured:
 * starting the workers; an empty task's round trip, one at a time and
 * with every worker busy; tasks of about 1 ms; and, for processes only,
 * replacing a worker that crashed (with threads there is nothing to
 * measure: the crash ends the program).
 *
 * Output: plots/08-combining/isolation.dat. */
#define _GNU_SOURCE
#include "loop_pool.h"
#include "proc_pool.h"
#include "timing.h"

#include <stdio.h>
#include <sys/resource.h>

static int workers;
static long n_tasks, sent, finished;
static int one_at_a_time;
static uint64_t span; /* numbers per task; 0 for an empty task */

static struct pp_task task_no(long i)
{
    return (struct pp_task){ .id = i, .lo = 3000000, .hi = 3000000 + span };
}

/* ---- processes ----------------------------------------------------------- */

static void p_feed(struct pp_pool *p)
{
    int room = one_at_a_time ? (sent == finished) : p->idle;
    for (; room > 0 && sent < n_tasks; room--) {
        struct pp_task t = task_no(sent);
        if (pp_submit(p, &t) != 0)
            break;
        sent++;
    }
    if (finished == n_tasks)
        el_stop(p->loop);
}

static void p_done(struct pp_pool *p, const struct pp_task *t, long count)
{
    (void)t, (void)count;
    finished++;
    p_feed(p);
}

static double crash_at, crash_recovered;

static void p_failed(struct pp_pool *p, const struct pp_task *t, int status)
{
    (void)t, (void)status;
    finished++;
    p_feed(p);
}

static double procs(long n, int one, uint64_t numbers, double *start_us)
{
    struct el_loop *loop = el_loop_new();
    struct pp_pool pool;
    n_tasks = n, sent = finished = 0, one_at_a_time = one, span = numbers;
    double t0 = now_s();
    pp_start(&pool, loop, workers, p_done, p_failed, NULL);
    double t1 = now_s();
    if (start_us)
        *start_us = (t1 - t0) * 1e6;
    p_feed(&pool);
    el_run(loop);
    double t = now_s() - t1;
    pp_stop(&pool);
    el_loop_free(loop);
    return t / (double)n * 1e6;
}

/* A crash and the replacement: send a crashing task, then an empty one;
 * the time until the empty one's result comes back from the new worker. */
static void c_done(struct pp_pool *p, const struct pp_task *t, long count)
{
    (void)t, (void)count;
    crash_recovered = now_s();
    el_stop(p->loop);
}

static void c_failed(struct pp_pool *p, const struct pp_task *t, int status)
{
    (void)t, (void)status;
    struct pp_task next = { .id = 1 };
    pp_submit(p, &next); /* lands on the fresh worker */
}

static double crash_cost(void)
{
    struct el_loop *loop = el_loop_new();
    struct pp_pool pool;
    pp_start(&pool, loop, 1, c_done, c_failed, NULL);
    struct pp_task bad = { .id = 0, .crash = 1 };
    crash_at = now_s();
    pp_submit(&pool, &bad);
    el_run(loop);
    pp_stop(&pool);
    el_loop_free(loop);
    return (crash_recovered - crash_at) * 1e6;
}

/* ---- threads ------------------------------------------------------------- */

struct tjob {
    struct lp_job job;
    struct pp_task t;
    long result;
};

static struct lp_pool tpool;
static struct tjob *tjobs;

static void t_work(struct lp_job *job, int worker)
{
    (void)worker;
    struct tjob *j = (struct tjob *)job;
    j->result = count_primes(j->t.lo, j->t.hi);
}

static void t_done(struct lp_job *job);

static void t_feed(void)
{
    while (sent < n_tasks && !lp_full(&tpool) && !(one_at_a_time && sent > finished)) {
        struct tjob *j = &tjobs[sent];
        *j = (struct tjob){ .job = { .work = t_work, .done = t_done }, .t = task_no(sent) };
        sent++;
        lp_submit(&tpool, &j->job);
    }
    if (finished == n_tasks)
        el_stop(tpool.loop);
}

static void t_done(struct lp_job *job)
{
    (void)job;
    finished++;
    t_feed();
}

static double threads(long n, int one, uint64_t numbers, double *start_us)
{
    struct el_loop *loop = el_loop_new();
    n_tasks = n, sent = finished = 0, one_at_a_time = one, span = numbers;
    tjobs = calloc((size_t)n, sizeof *tjobs);
    double t0 = now_s();
    lp_start(&tpool, loop, workers, (size_t)workers);
    double t1 = now_s();
    if (start_us)
        *start_us = (t1 - t0) * 1e6;
    t_feed();
    el_run(loop);
    double t = now_s() - t1;
    lp_stop(&tpool);
    el_loop_free(loop);
    free(tjobs);
    return t / (double)n * 1e6;
}

int main(void)
{
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
    workers = usable_cores();
    int quick = quick_mode(), rounds = quick ? 1 : 5;
    /* Size a task to about 1 ms: the best of three timings. */
    uint64_t ms_span = 4000;
    double best = 1;
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        count_primes(3000000, 3000000 + ms_span);
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    ms_span = (uint64_t)(ms_span * 1e-3 / best);
    long n_empty = quick ? 500 : 10000, n_ms = quick ? 50 : 400;
    double start[2][5], one[2][5], busy[2][5], ms[2][5], crash[5];
    for (int r = 0; r < rounds; r++) {
        one[0][r] = threads(n_empty, 1, 0, &start[0][r]);
        one[1][r] = procs(n_empty, 1, 0, &start[1][r]);
        busy[0][r] = threads(n_empty, 0, 0, NULL);
        busy[1][r] = procs(n_empty, 0, 0, NULL);
        ms[0][r] = threads(n_ms, 0, ms_span, NULL);
        ms[1][r] = procs(n_ms, 0, ms_span, NULL);
        crash[r] = crash_cost();
    }
    print_machine(stdout);
    printf("# %d workers; one task per worker in flight; microseconds; medians of %d "
           "rounds\n", workers, rounds);
    printf("# columns: measure thread_pool_(us) process_pool_(us)\n");
    printf("start_%d_workers %.1f %.1f\n", workers, median(start[0], rounds),
           median(start[1], rounds));
    printf("empty_task,_one_at_a_time %.1f %.1f\n", median(one[0], rounds),
           median(one[1], rounds));
    printf("empty_task,_every_worker_busy %.1f %.1f\n", median(busy[0], rounds),
           median(busy[1], rounds));
    printf("1_ms_task,_every_worker_busy %.1f %.1f\n", median(ms[0], rounds),
           median(ms[1], rounds));
    printf("replace_a_crashed_worker - %.1f\n", median(crash, rounds));
    return 0;
}
