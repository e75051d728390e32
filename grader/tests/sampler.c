/* The sampler and the classifier (grader/sampler.h), on synthetic runs
 * whose flaw is known: each spins for a set amount of its own CPU time,
 * so the shape of the record does not depend on how busy the machine is.
 * With GRADER_DIAG_DATA=file, each test appends its figures there: that
 * is how docs/data/diagnose.dat was made. */
#define _GNU_SOURCE
#include "grader.h"
#include "sampler.h"

#include "timing.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double own_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One line appended to GRADER_DIAG_DATA's file, when it names one. */
static void diag_append(const char *fmt, ...)
{
    const char *data = getenv("GRADER_DIAG_DATA");
    FILE *out = data && *data ? fopen(data, "a") : NULL;
    if (!out)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fclose(out);
}

/* Burn `s` seconds of this thread's CPU time. */
static void burn(double s)
{
    double until = own_cpu() + s;
    while (own_cpu() < until)
        ;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int done;

struct job { double a, b; int serial, spin; };

static void *worker_a(void *arg)
{
    const struct job *j = arg;
    if (j->serial) /* ten turns under one lock */
        for (int i = 0; i < 10; i++) {
            pthread_mutex_lock(&lock);
            burn(j->a / 10);
            pthread_mutex_unlock(&lock);
            usleep(100);
        }
    else
        burn(j->a);
    atomic_store(&done, 1);
    return NULL;
}

static void *worker_b(void *arg)
{
    const struct job *j = arg;
    if (j->spin) { /* waits for worker a by spinning */
        while (!atomic_load(&done))
            ;
        return NULL;
    }
    struct job mine = *j;
    mine.a = j->b;
    return worker_a(&mine);
}

/* Two workers; the caller first burns `before` s and sleeps `late` s. */
struct shape { struct job job; double before, late; };

static void two_workers(void *arg, void *out)
{
    const struct shape *s = arg;
    (void)out;
    atomic_store(&done, 0);
    burn(s->before);
    usleep((useconds_t)(s->late * 1e6));
    pthread_t t[2];
    pthread_create(&t[0], NULL, worker_a, (void *)&s->job);
    pthread_create(&t[1], NULL, worker_b, (void *)&s->job);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
}

static struct gr_record rec;

static void needs_two_cores(void)
{
    if (usable_cores() < 2)
        cr_skip_test("skipped: only 1 usable core; these shapes need 2");
}

/* Run a shape sampled and classify it; seq_cpu as the judge passes it. */
static enum gr_cause run_shape(const char *name, struct shape sh, double seq_cpu,
                               char *why, size_t n)
{
    gr_sampler_arm(&rec);
    struct gr_run r = gr_run_fn(two_workers, &sh, NULL, 0, NULL);
    gr_assert_clean(r, name);
    struct gr_findings f;
    enum gr_cause c = gr_diagnose(&rec, seq_cpu, &f, why, n);
    const char *dump = getenv("GRADER_DIAG_DUMP");
    if (dump && (strcmp(dump, name) == 0 || strcmp(dump, "all") == 0))
        gr_record_write(&rec, "/dev/stderr");
    diag_append("%-11s %5.2f %5.2f %5.2f %5.2f %5.2f %5.2f %6.3f %5.2f %6.2f %s\n",
                name, f.caller_share, f.top_share, f.overlap, f.early_end,
                f.early_cpu, f.late_end, f.first_start_s, f.cpu_ratio,
                100 * rec.sampler_cpu / rec.length, gr_cause_name(c));
    return c;
}

/* A busy machine can starve a shape's threads (or the sampler) for a
 * moment and blur one run; a classifier that is wrong is wrong every
 * time.  So a shape gets up to three runs, and the last one is judged. */
#define EXPECT(name, shape, seq, cause, words)                                 \
    do {                                                                      \
        char why_[512];                                                       \
        enum gr_cause c_ = GR_CAUSE_NONE;                                     \
        for (int try_ = 0; try_ < 3; try_++) {                                \
            c_ = run_shape(name, shape, seq, why_, sizeof why_);              \
            if (c_ == (cause) && (strstr(why_, words) || !*(words)))          \
                break;                                                        \
        }                                                                     \
        cr_assert(c_ == (cause), "the %s run was classified as %s, not %s "  \
                  "(%s); re-run: make build/grader/sampler && "              \
                  "./build/grader/sampler --filter 'timing/*'", name,       \
                  gr_cause_name(c_), gr_cause_name(cause), why_);             \
        cr_assert(strstr(why_, words) || !*(words), "the %s run's sentence "  \
                  "lacks \"%s\": %s", name, words, why_);                     \
    } while (0)

Test(timing, balanced_has_no_cause, .init = needs_two_cores)
{
    EXPECT("balanced", ((struct shape){ { 0.15, 0.15, 0, 0 }, 0, 0 }), 0.3,
           GR_CAUSE_NONE, "");
}

Test(timing, names_imbalance, .init = needs_two_cores)
{
    EXPECT("imbalance", ((struct shape){ { 0.1, 0.25, 0, 0 }, 0, 0 }), 0.3,
           GR_CAUSE_IMBALANCE, "not split evenly");
}

Test(timing, names_serialised, .init = needs_two_cores)
{
    EXPECT("serialised", ((struct shape){ { 0.15, 0.15, 1, 0 }, 0, 0 }), 0.3,
           GR_CAUSE_SERIAL, "take turns");
}

Test(timing, names_one_worker, .init = needs_two_cores)
{
    EXPECT("one-worker", ((struct shape){ { 0.3, 0.003, 0, 0 }, 0, 0 }), 0.3,
           GR_CAUSE_ONE_WORKER, "one worker did the work");
}

Test(timing, names_the_caller, .init = needs_two_cores)
{
    EXPECT("caller", ((struct shape){ { 0.02, 0.02, 0, 0 }, 0.3, 0 }), 0.34,
           GR_CAUSE_WRONG_PLACE, "the caller itself used");
}

Test(timing, names_startup, .init = needs_two_cores)
{
    EXPECT("start-up", ((struct shape){ { 0.1, 0.1, 0, 0 }, 0, 0.25 }), 0.2,
           GR_CAUSE_STARTUP, "after the call");
}

Test(timing, names_busy_waiting, .init = needs_two_cores)
{
    EXPECT("busy-wait", ((struct shape){ { 0.2, 0, 0, 1 }, 0, 0 }), 0.2,
           GR_CAUSE_BUSY, "CPU time of the sequential");
}

/* The classifier's order, on records written by hand: no thread runs,
 * so these hold on any machine.  A run of `len` s, whose caller starts
 * two workers at `start` s; worker 1 ends at `end1` s with `cpu1` s of
 * CPU time, worker 2 at the end with `cpu2` s.  Both are on a CPU in
 * every column they are alive. */
static void hand_record(double len, double start, double end1, double cpu1,
                        double cpu2)
{
    memset(&rec, 0, sizeof rec);
    rec.length = len, rec.ncols = 100, rec.tick_s = len / 100, rec.root = 1;
    rec.ntasks = 3;
    rec.task[0] = (struct gr_task){ .pid = 1, .tid = 1, .cpu = 0.001, .last_run = 0 };
    double end[3] = { 0, end1, len };
    double cpu[3] = { 0, cpu1, cpu2 };
    for (int i = 1; i < 3; i++) {
        rec.task[i] = (struct gr_task){ .pid = 1, .tid = 1 + i, .born = start,
                                        .died = end[i], .cpu = cpu[i],
                                        .last_run = end[i] - rec.tick_s };
        for (int c = 0; c < rec.ncols; c++) {
            double t = c * rec.tick_s;
            rec.state[i][c] = t >= start && t < end[i] ? GR_ST_RUN : GR_ST_GONE;
        }
    }
}

/* The record hand_record() wrote, described as `what`, must be
 * classified as `want`. */
static void expect_hand_cause(const char *what, enum gr_cause want)
{
    char why[512];
    enum gr_cause c = gr_diagnose(&rec, rec.task[1].cpu + rec.task[2].cpu, NULL,
                                  why, sizeof why);
    cr_assert(c == want, "%s was classified as %s (%s), not %s: the cause that "
              "cost more must be named; re-run: make build/grader/sampler && "
              "./build/grader/sampler --filter 'classify/*'", what,
              gr_cause_name(c), why, gr_cause_name(want));
}

/* reduction--late-start as a slow virtual CPU can record it: 150 ms of
 * sleep, then an even split whose first worker ends at 84% of the run
 * with 73% of the other's CPU time.  The late start cost 150 ms, the
 * gap 36 ms: the late start is named. */
Test(classify, a_late_start_outweighs_a_small_gap)
{
    hand_record(0.24, 0.15, 0.2, 0.036, 0.05);
    expect_hand_cause("a run that started its workers after 150 ms of 240 ms "
                      "and ended them 36 ms apart", GR_CAUSE_STARTUP);
}

/* The other way round: a start 110 ms late, then one worker doing seven
 * times the other's work, 350 ms longer. */
Test(classify, a_large_gap_outweighs_a_late_start)
{
    hand_record(0.51, 0.11, 0.16, 0.05, 0.4);
    expect_hand_cause("a run that started its workers after 110 ms of 510 ms "
                      "and ended them 350 ms apart", GR_CAUSE_IMBALANCE);
}

/* Which cause a set of rounds names: count[c] rounds showed cause c. */
static void expect_rounds(int none, int serial, int imbalance, int failed,
                          enum gr_cause want)
{
    int count[GR_CAUSE_BUSY + 1] = { 0 };
    count[GR_CAUSE_NONE] = none, count[GR_CAUSE_SERIAL] = serial;
    count[GR_CAUSE_IMBALANCE] = imbalance;
    enum gr_cause c = gr_cause_of_rounds(count, none + serial + imbalance, failed);
    cr_assert(c == want, "%s over %d rounds with no cause, %d serialised and %d "
              "uneven named %s, not %s; re-run: make build/grader/sampler && "
              "./build/grader/sampler --filter 'classify/*'",
              failed ? "a failure" : "a pass's advice", none, serial, imbalance,
              gr_cause_name(c), gr_cause_name(want));
}

/* reduction--lock-around-work failed in two rounds, one of which its
 * coarse record did not show as serialised: a failure names the cause
 * of half its rounds, a pass's advice only that of most, and two causes
 * shown as often name neither. */
Test(classify, a_failure_names_the_cause_of_half_its_rounds)
{
    expect_rounds(1, 1, 0, 1, GR_CAUSE_SERIAL);
    expect_rounds(1, 1, 0, 0, GR_CAUSE_NONE);
    expect_rounds(0, 2, 0, 0, GR_CAUSE_SERIAL);
    expect_rounds(2, 1, 0, 1, GR_CAUSE_NONE);
    expect_rounds(0, 1, 1, 1, GR_CAUSE_NONE);
    expect_rounds(1, 2, 1, 1, GR_CAUSE_SERIAL);
    expect_rounds(2, 0, 0, 1, GR_CAUSE_NONE);
}

/* The record itself: two workers and the caller, born in order, with
 * their CPU time, and the sampler's cost. */
/* A pass every 4 ms or more often: half the 2 ms period (sampler.c), as
 * a pass takes time of its own and a busy machine delays wake-ups. */
static int often_enough(const struct gr_record *r)
{
    return r->samples > 0 && r->length / (double)r->samples <= 0.004;
}

Test(timing, records_each_thread_and_its_cpu, .init = needs_two_cores)
{
    struct shape sh = { { 0.1, 0.1, 0, 0 }, 0, 0 };
    struct gr_run r;
    for (int try = 0; try < 3; try++) { /* see EXPECT: a starved run is retried */
        gr_sampler_arm(&rec);
        r = gr_run_fn(two_workers, &sh, NULL, 0, NULL);
        if (often_enough(&rec))
            break;
    }
    gr_assert_clean(r, "two workers");
    int workers = 0;
    for (int i = 0; i < rec.ntasks; i++)
        workers += gr_record_is_worker(&rec, i);
    cr_assert(rec.ntasks >= 3 && workers == 2, "the record holds %d tasks "
              "(%d workers), not the caller and 2 workers", rec.ntasks, workers);
    for (int i = 0; i < rec.ntasks; i++)
        if (gr_record_is_worker(&rec, i))
            cr_assert(rec.task[i].cpu > 0.07 && rec.task[i].cpu < 0.2,
                      "worker thread %d is recorded with %.3f s of CPU time, "
                      "not about 0.1 s", rec.task[i].tid, rec.task[i].cpu);
    cr_assert(often_enough(&rec), "only %ld sampling passes in %.2f s, one "
              "every %.1f ms: the sampler wakes every 2 ms, and 4 ms is the most "
              "allowed", rec.samples, rec.length,
              rec.samples ? 1e3 * rec.length / (double)rec.samples : 0.0);
}

/* Twenty threads, one after another, each burning 8 ms of CPU: one is
 * born as the one before it dies, so the cgroup's count of tasks never
 * changes, and only the death tells the sampler to read the list again. */
static void *short_burn(void *arg)
{
    (void)arg;
    burn(0.008);
    return NULL;
}

static void one_after_another(void *arg, void *out)
{
    (void)arg, (void)out;
    for (int i = 0; i < 20; i++) {
        pthread_t t;
        pthread_create(&t, NULL, short_burn, NULL);
        pthread_join(t, NULL);
    }
}

/* Each is found within a pass or two of its birth, while it still runs:
 * a sampler that read the list only every 8th pass (16 ms) would miss
 * most of them. */
Test(timing, finds_short_lived_threads, .init = needs_two_cores)
{
    int seen = 0;
    for (int try = 0; try < 3 && seen < 15; try++) { /* see EXPECT: a starved run is retried */
        gr_sampler_arm(&rec);
        struct gr_run r = gr_run_fn(one_after_another, NULL, NULL, 0, NULL);
        gr_assert_clean(r, "twenty threads, one after another");
        seen = rec.ntasks - 1; /* less the caller */
        if (!often_enough(&rec))
            seen = 0;
    }
    cr_assert(seen >= 15, "the record holds %d of 20 threads that ran 8 ms each, one "
              "after another (at least 15 must be found while they run)", seen);
}

/* What a thread of this process pays to wake every 2 ms (the sampler's
 * period) and do nothing else, in % of one core, beside the same run of
 * two workers, unsampled.  It depends on the machine, not on the sampler:
 * 15-20 us a wake-up when the sampler was written, 31-52 us in a CI
 * virtual machine later, which alone is 1.5-2.5% of a core and failed a
 * fixed 2% bar with nothing changed in the code.  Measured alone, with no
 * run beside it, it read 1.4-1.7% on an AMD EPYC virtual machine where
 * the sampler, beside its run, took 1.4-3.5%: the floor must be taken in
 * the sampler's own conditions. */
static atomic_int waking, waker_ready;

static void *waker(void *arg)
{
    struct timespec ts = { 0, 2000000 };
    double *cpu = arg, c0 = own_cpu();
    atomic_store(&waker_ready, 1);
    while (atomic_load(&waking))
        nanosleep(&ts, NULL);
    *cpu = own_cpu() - c0;
    return NULL;
}

static double wake_floor_pct(struct shape *sh)
{
    pthread_t t;
    double cpu = 0;
    atomic_store(&waking, 1);
    atomic_store(&waker_ready, 0);
    pthread_create(&t, NULL, waker, &cpu);
    /* The run forks: not while the new thread is still starting, when
     * the sanitizer's runtime may hold a lock of its own that the child
     * would inherit held (one run of make test hung there for its 10 s). */
    while (!atomic_load(&waker_ready))
        sched_yield();
    double w0 = now_s();
    struct gr_run r = gr_run_fn(two_workers, sh, NULL, 0, NULL);
    atomic_store(&waking, 0);
    pthread_join(t, NULL);
    gr_assert_clean(r, "two workers, beside a thread that only wakes");
    return 100 * cpu / (now_s() - w0);
}

/* The sampler's own cost: its thread's CPU time over the run's length.
 * The goal is under 2% of one core.  Where system calls cost more, a
 * pass (one wake-up and a few reads of /proc) costs more with them, so
 * the test also passes under 5 times what a bare 2-ms waker costs
 * beside the same run, measured after each sampled one.  In make test's
 * grader stage on an AMD EPYC virtual machine the sampler took 2.12%
 * beside a waker's 0.62% (a ratio of 3.4; 2.4-3.6 idle there).  A
 * sampler that walked /proc on every pass would cost tens of times a
 * wake-up, and fails either way. */
Test(timing, costs_under_2_percent_of_a_core, .init = needs_two_cores)
{
    struct shape sh = { { 0.3, 0.3, 0, 0 }, 0, 0 };
    double pct = 100, floor = 100;
    long passes = 0;
    /* The least of up to five each: noise only adds.  On an AMD EPYC
     * virtual machine one run took 1.3-2.4% and the least of three still
     * went over 2% in 2 of 20 tests. */
    for (int try = 0; try < 5; try++) {
        gr_sampler_arm(&rec);
        struct gr_run r = gr_run_fn(two_workers, &sh, NULL, 0, NULL);
        gr_assert_clean(r, "two workers");
        double p = 100 * rec.sampler_cpu / rec.length, f = wake_floor_pct(&sh);
        diag_append("# sampler-cost %.2f%% waker %.2f%% (%ld passes; try %d)\n",
                    p, f, rec.samples, try + 1); /* every try, kept */
        pct = p < pct ? p : pct;
        floor = f < floor ? f : floor;
        passes = rec.samples;
        if (pct < 2 || pct < 5 * floor)
            break;
    }
    cr_log_info("sampler: %.2f%% of one core (%.4f s of CPU in %.3f s, %ld "
                "passes, %.1f us a pass); waking every 2 ms beside the same run: %.2f%%", pct,
                rec.sampler_cpu, rec.length, rec.samples,
                1e6 * rec.sampler_cpu / rec.samples, floor);
    cr_assert(pct < 2 || pct < 5 * floor, "the sampler used %.2f%% of one core "
              "(the least of five runs of %ld passes), where waking every 2 ms "
              "beside the same run costs %.2f%% here: over 2%% of a core, and over "
              "5 times that; "
              "re-run: make build/grader/sampler && ./build/grader/sampler "
              "--filter 'timing/*'", pct, passes, floor);
}

/* The same cost seen from the work: two workers' wall time with and
 * without the sampler, interleaved, medians of 7 rounds.  On a busy
 * machine the unsampled runs alone vary by more than the difference
 * sought, and the test says so instead of judging. */
Test(timing, sampling_does_not_slow_the_work, .init = needs_two_cores)
{
    enum { ROUNDS = 7, TRIES = 3 };
    struct shape sh = { { 0.1, 0.1, 0, 0 }, 0, 0 };
    double m0 = 0, m1 = 0, slower = 1, lo = 1e9, hi = 0;
    /* The least of up to three measurements: a cost of about 1% sits near
     * the 2% goal, and noise only adds to it (a fail once, in a make test,
     * at +2.1%); a sampler that really costs more fails all three. */
    for (int t = 0; t < TRIES && slower >= 0.02; t++) {
        double with[ROUNDS], without[ROUNDS];
        lo = 1e9, hi = 0;
        for (int i = 0; i < ROUNDS; i++) {
            struct gr_run a = gr_run_fn(two_workers, &sh, NULL, 0, NULL);
            gr_sampler_arm(&rec);
            struct gr_run b = gr_run_fn(two_workers, &sh, NULL, 0, NULL);
            gr_assert_clean(a, "two workers");
            gr_assert_clean(b, "two workers, sampled");
            without[i] = a.wall, with[i] = b.wall;
            lo = a.wall < lo ? a.wall : lo;
            hi = a.wall > hi ? a.wall : hi;
        }
        m0 = median(without, ROUNDS), m1 = median(with, ROUNDS);
        slower = (m1 - m0) / m0;
        diag_append("# with-without %.4f %.4f %+.2f%% (spread of the unsampled "
                    "runs %.1f%%; try %d)\n", m1, m0, 100 * slower,
                    100 * (hi - lo) / m0, t + 1); /* every try, kept */
    }
    if (slower >= 0.02 && (hi - lo) / m0 > 0.10)
        cr_skip_test("skipped as inconclusive: unsampled runs alone took %.3f "
                     "to %.3f s, too spread to see a 2%% cost; re-run when "
                     "the machine is idle: ./build/grader/sampler --filter "
                     "'timing/*'", lo, hi);
    cr_assert(slower < 0.02, "two workers took %.3f s with the sampler and "
              "%.3f s without (%+.1f%%; medians of %d interleaved rounds, the "
              "least of %d tries): over the 2%% goal; re-run: "
              "./build/grader/sampler --filter 'timing/*'", m1, m0, 100 * slower,
              ROUNDS, TRIES);
}
