/* Tests for exercise 4.1, the timer queue.
 *
 * Most tests drive the queue with a fake clock (now = 0, 1, 2, ... ms), so
 * the expected order is exact: a timer due at d must run in the call of
 * timers_run() whose `now` first reaches d, after every timer due earlier
 * and, on a tie, after every timer started before it.  Each check runs in
 * the sandbox and reports its first failure as a sentence.  The last test
 * builds a real loop with poll() on the learner's queue and checks that
 * it sleeps until the timers are due (suite `timing`). */
#include "grader.h"
#include "timers.h"

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct verdict {
    int failed;
    char why[700];
};

#define FAIL_IF(v, cond, ...)                                               \
    do {                                                                    \
        if (!(v)->failed && (cond)) {                                       \
            (v)->failed = 1;                                                \
            snprintf((v)->why, sizeof (v)->why, __VA_ARGS__);               \
        }                                                                   \
    } while (0)

static void judge(gr_fn fn, const char *what, double timeout_s)
{
    struct verdict v = { 0 };
    struct gr_limits lim = { .timeout_s = timeout_s };
    struct gr_run r = gr_run_fn(fn, NULL, &v, sizeof v, &lim);
    gr_assert_clean(r, what);
    if (v.failed)
        cr_assert_fail("%s: %s", what, v.why);
}

/* ---- a log of callbacks ------------------------------------------------ */

#define MAXT 1000
static struct timer tm[MAXT];
static int fired[MAXT], log_idx[4 * MAXT], nlog;
static double now_ms, log_now[4 * MAXT];

static void note(struct timer *t, void *arg)
{
    (void)t;
    int i = (int)(long)arg;
    fired[i]++;
    if (nlog < 4 * MAXT) {
        log_idx[nlog] = i;
        log_now[nlog++] = now_ms;
    }
}

static unsigned rng = 12345;
static unsigned next_rand(void)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) & 0x7fff;
}

/* Run the fake clock from 0 to `until` ms, one ms at a time. */
static void advance(struct timers *q, int until, struct verdict *v)
{
    for (int ms = (int)now_ms; ms <= until; ms++) {
        now_ms = ms;
        int before = nlog, ran = timers_run(q, now_ms);
        FAIL_IF(v, ran != nlog - before, "timers_run(now = %d) ran %d callbacks "
                "but returned %d", ms, nlog - before, ran);
    }
}

/* Every timer not cancelled fired once, exactly at its due time, in order
 * of (due, start order). */
static void check_log(struct verdict *v, int n, const double *due, const int *cancelled)
{
    for (int i = 0; i < n; i++) {
        FAIL_IF(v, cancelled[i] && fired[i], "timer %d was cancelled with "
                "timer_stop() but still fired %d time%s", i, fired[i],
                fired[i] > 1 ? "s" : "");
        FAIL_IF(v, !cancelled[i] && fired[i] != 1, "timer %d (due at %g ms) "
                "fired %d times; it should fire once", i, due[i], fired[i]);
    }
    for (int k = 0; k < nlog; k++) {
        int i = log_idx[k];
        FAIL_IF(v, log_now[k] != due[i], "timer %d, due at %g ms, ran in the "
                "call timers_run(now = %g): it must run in the first call "
                "whose now reaches its due time, not %s", i, due[i], log_now[k],
                log_now[k] < due[i] ? "before" : "after");
        if (k > 0) {
            int j = log_idx[k - 1];
            FAIL_IF(v, due[j] > due[i] || (due[j] == due[i] && j > i),
                    "timer %d (due at %g ms) ran after timer %d (due at %g ms, "
                    "started %s): the order must be by due time, then by start "
                    "order", i, due[i], j, due[j], j > i ? "later" : "earlier");
        }
    }
}

/* ---- ordering ---------------------------------------------------------- */

static void empty(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    FAIL_IF(v, !q, "timers_new() returned NULL");
    if (!q)
        return;
    FAIL_IF(v, timers_count(q) != 0, "a new queue has %zu timers", timers_count(q));
    FAIL_IF(v, timers_next(q, 5) != -1, "timers_next() on an empty queue returned "
            "%g; it should be -1 (nothing to wait for)", timers_next(q, 5));
    FAIL_IF(v, timers_run(q, 5) != 0, "timers_run() on an empty queue ran something");
    timers_free(q);
}

Test(timers, an_empty_queue)
{
    judge(empty, "a new, empty queue", 5);
}

static void random_order(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    static double due[MAXT];
    static int cancelled[MAXT];
    for (int i = 0; i < MAXT; i++) {
        due[i] = next_rand() % 300; /* many ties on purpose */
        FAIL_IF(v, timer_start(q, &tm[i], 0, due[i], 0, note, (void *)(long)i) != 0,
                "timer_start() failed");
    }
    FAIL_IF(v, timers_count(q) != MAXT, "after starting %d timers, timers_count() "
            "says %zu", MAXT, timers_count(q));
    advance(q, 300, v);
    check_log(v, MAXT, due, cancelled);
    FAIL_IF(v, timers_count(q) != 0, "every timer fired, yet timers_count() says %zu",
            timers_count(q));
    for (int i = 0; i < MAXT; i++)
        FAIL_IF(v, timer_active(&tm[i]), "timer %d fired and was not restarted, "
                "yet timer_active() says 1", i);
    timers_free(q);
}

Test(timers, fire_in_due_order)
{
    judge(random_order, "1,000 timers due at random times from 0 to 299 ms", 5);
}

static void next_due(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    static const double after[] = { 30, 10, 20 };
    for (int i = 0; i < 3; i++)
        timer_start(q, &tm[i], 0, after[i], 0, note, (void *)(long)i);
    static const double at[] = { 0, 4, 9.5, 10, 12 }, want[] = { 10, 6, 0.5, 0, 0 };
    for (int k = 0; k < 5; k++)
        FAIL_IF(v, fabs(timers_next(q, at[k]) - want[k]) > 1e-9, "timers due at 10, "
                "20 and 30 ms: timers_next(now = %g) returned %g, expected %g",
                at[k], timers_next(q, at[k]), want[k]);
    now_ms = 12;
    timers_run(q, 12);
    FAIL_IF(v, fabs(timers_next(q, 12) - 8) > 1e-9, "after the 10 ms timer ran, "
            "timers_next(now = 12) returned %g, expected 8 (the next is due at 20)",
            timers_next(q, 12));
    timers_free(q);
    FAIL_IF(v, timer_active(&tm[0]) || timer_active(&tm[2]), "after timers_free(), "
            "timers that were still queued must be inactive");
}

Test(timers, next_says_how_long_to_sleep)
{
    judge(next_due, "timers_next()", 5);
}

/* ---- cancelling -------------------------------------------------------- */

static void cancel_many(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    static double due[MAXT];
    static int cancelled[MAXT];
    int first = 0, ncancel = 0;
    for (int i = 0; i < MAXT; i++) {
        due[i] = 1 + next_rand() % 300;
        timer_start(q, &tm[i], 0, due[i], 0, note, (void *)(long)i);
        first = due[i] < due[first] ? i : first;
    }
    for (int i = 0; i < MAXT; i++) /* every third, the first due, the last started */
        if (i % 3 == 0 || i == first || i == MAXT - 1) {
            timer_stop(q, &tm[i]);
            timer_stop(q, &tm[i]); /* twice is harmless */
            cancelled[i] = 1;
            ncancel++;
            FAIL_IF(v, timer_active(&tm[i]), "timer_active() says 1 right after "
                    "timer_stop()");
        }
    struct timer never = { 0 };
    timer_stop(q, &never); /* a zeroed timer was never started: harmless */
    FAIL_IF(v, timers_count(q) != (size_t)(MAXT - ncancel), "after cancelling %d "
            "of %d timers, timers_count() says %zu, expected %d", ncancel, MAXT,
            timers_count(q), MAXT - ncancel);
    advance(q, 301, v);
    check_log(v, MAXT, due, cancelled);
    timers_free(q);
}

Test(timers, cancelled_timers_never_fire)
{
    judge(cancel_many, "1,000 timers, a third of them cancelled", 5);
}

static struct timers *shared_q;

static void stop_other(struct timer *t, void *arg)
{
    note(t, arg);
    timer_stop(shared_q, &tm[1]); /* due at the same time, not run yet */
    timer_stop(shared_q, t);      /* itself: already inactive, harmless */
}

static void cancel_in_callback(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = shared_q = timers_new();
    timer_start(q, &tm[0], 0, 10, 0, stop_other, (void *)0L);
    timer_start(q, &tm[1], 0, 10, 0, note, (void *)1L);
    timer_start(q, &tm[2], 0, 10, 0, note, (void *)2L);
    advance(q, 20, v);
    FAIL_IF(v, fired[1], "timers 0, 1 and 2 are all due at 10 ms and timer 0's "
            "callback cancels timer 1, yet timer 1 fired: a timer cancelled "
            "during timers_run() must not run");
    FAIL_IF(v, fired[0] != 1 || fired[2] != 1, "timers 0 and 2 should fire once each; "
            "they fired %d and %d times", fired[0], fired[2]);
    timers_free(q);
}

Test(timers, cancel_from_a_callback)
{
    judge(cancel_in_callback, "a callback that cancels another due timer", 5);
}

static void restart(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    timer_start(q, &tm[0], 0, 10, 0, note, (void *)0L);
    timer_start(q, &tm[0], 0, 50, 0, note, (void *)0L); /* moved, not added */
    FAIL_IF(v, timers_count(q) != 1, "starting an active timer again should move "
            "it, but timers_count() says %zu", timers_count(q));
    advance(q, 49, v);
    FAIL_IF(v, fired[0], "a timer restarted from 10 ms to 50 ms fired at %g ms",
            log_now[0]);
    advance(q, 100, v);
    FAIL_IF(v, fired[0] != 1, "a timer restarted from 10 ms to 50 ms fired %d "
            "times; expected once, at 50 ms", fired[0]);
    timers_free(q);
}

Test(timers, restarting_moves_a_timer)
{
    judge(restart, "restarting an active timer", 5);
}

/* ---- repeating timers ---------------------------------------------------- */

static int ticks;

static void tick_stop_at_3(struct timer *t, void *arg)
{
    note(t, arg);
    if (++ticks == 3)
        timer_stop(shared_q, t);
}

static void repeating(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = shared_q = timers_new();
    timer_start(q, &tm[0], 0, 10, 10, note, (void *)0L);
    timer_start(q, &tm[1], 0, 5, 7, tick_stop_at_3, (void *)1L);
    advance(q, 100, v);
    FAIL_IF(v, fired[0] != 10, "a timer with period 10 ms, run from 0 to 100 ms, "
            "fired %d times; expected 10 (at 10, 20, ... 100)", fired[0]);
    for (int k = 0, n = 0; k < nlog; k++)
        if (log_idx[k] == 0) {
            n++;
            FAIL_IF(v, log_now[k] != 10 * n, "a timer with period 10 ms fired for "
                    "the %d%s time at %g ms, expected %d ms", n, n == 1 ? "st" : n == 2 ? "nd" : n == 3 ? "rd" : "th",
                    log_now[k], 10 * n);
        }
    FAIL_IF(v, !timer_active(&tm[0]), "a repeating timer must stay active");
    FAIL_IF(v, fired[1] != 3, "a repeating timer that stops itself in its third "
            "callback fired %d times", fired[1]);
    timers_free(q);
}

Test(timers, repeating_timers)
{
    judge(repeating, "repeating timers", 5);
}

static void skip_missed(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    timer_start(q, &tm[0], 0, 10, 10, note, (void *)0L);
    now_ms = 10;
    timers_run(q, 10);
    now_ms = 55;
    int ran = timers_run(q, 55); /* the loop was busy from 10 to 55 ms */
    FAIL_IF(v, ran != 1, "a 10 ms repeating timer whose loop was busy from 10 to "
            "55 ms ran %d times in timers_run(now = 55); expected once: missed "
            "ticks are skipped, not run in a burst", ran);
    FAIL_IF(v, fabs(timers_next(q, 55) - 10) > 1e-9, "after a late tick at 55 ms, "
            "a 10 ms repeating timer should next be due at 65 ms (now + period), "
            "but timers_next(now = 55) says %g ms", timers_next(q, 55));
    timers_free(q);
}

Test(timers, late_repeating_timers_skip_ticks)
{
    judge(skip_missed, "a repeating timer that fell behind", 5);
}

static void start_zero(struct timer *t, void *arg)
{
    note(t, arg);
    if (fired[0] < 1000) /* start itself again, due at once */
        timer_start(shared_q, t, now_ms, 0, 0, start_zero, arg);
}

static void started_during_run(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = shared_q = timers_new();
    timer_start(q, &tm[0], 0, 0, 0, start_zero, (void *)0L);
    now_ms = 0;
    int ran = timers_run(q, 0);
    FAIL_IF(v, ran != 1, "a callback that starts a 0 ms timer made timers_run() "
            "run %d callbacks in one call; a timer started during timers_run() "
            "must wait for the next call", ran);
    ran = timers_run(q, 0);
    FAIL_IF(v, ran != 1, "the 0 ms timer started by a callback should run in the "
            "next call to timers_run(), once; it ran %d times", ran);
    timers_free(q);
}

Test(timers, timers_started_during_run_wait_a_turn)
{
    judge(started_during_run, "a callback that starts a 0 ms timer", 5);
}

/* ---- scale ---------------------------------------------------------------- */

#define MANY 200000

static int many_fired;
static double many_last;
static int many_in_order = 1;

static void count_one(struct timer *t, void *arg)
{
    (void)arg;
    many_in_order &= t->due >= many_last;
    many_last = t->due;
    many_fired++;
}

static void many(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = timers_new();
    struct timer *t = calloc(MANY, sizeof *t);
    for (int i = 0; i < MANY; i++)
        timer_start(q, &t[i], 0, (double)(next_rand() * 32768u + next_rand()), 0,
                    count_one, NULL);
    for (int i = 0; i < MANY; i += 2)
        timer_stop(q, &t[i]);
    int ran = timers_run(q, 2e9);
    FAIL_IF(v, ran != MANY / 2 || many_fired != MANY / 2, "%d timers started, "
            "%d cancelled, but %d fired", MANY, MANY / 2, many_fired);
    FAIL_IF(v, !many_in_order, "200,000 timers did not fire in due order");
    timers_free(q);
    free(t);
}

Test(timers, many_timers_are_cheap)
{
    /* 2 s: the heap here takes 0.1 s, sandbox included; an O(n^2) queue
     * runs to the limit, so a longer one only costs its failure time. */
    judge(many, "200,000 timers (a heap takes milliseconds; a sorted list, minutes)", 2);
}

/* ---- a real loop on the learner's queue ------------------------------------ */

static double clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double t0, fired_at[16], due_at[16];
static int order[16], norder;

static void on_time(struct timer *t, void *arg)
{
    double now = clock_ms() - t0;
    int i = (int)(long)arg;
    if (norder < 16) {
        order[norder] = i;
        due_at[norder] = t->due - t0;
        fired_at[norder++] = now;
    }
    if (i == 0 && ++ticks == 4)
        timer_stop(shared_q, t);
}

static void real_loop(void *arg, void *out)
{
    (void)arg;
    struct verdict *v = out;
    struct timers *q = shared_q = timers_new();
    t0 = clock_ms();
    timer_start(q, &tm[0], t0, 15, 15, on_time, (void *)0L); /* 15 30 45 60 */
    timer_start(q, &tm[1], t0, 50, 0, on_time, (void *)1L);
    timer_start(q, &tm[2], t0, 20, 0, on_time, (void *)2L);
    timer_start(q, &tm[3], t0, 35, 0, on_time, (void *)3L);
    int turns = 0;
    while (timers_count(q) > 0 && turns++ < 100000) {
        double ms = timers_next(q, clock_ms());
        poll(NULL, 0, ms < 0 ? -1 : (int)ceil(ms));
        timers_run(q, clock_ms());
    }
    static const int want[] = { 0, 2, 0, 3, 0, 1, 0 };
    static const double when[] = { 15, 20, 30, 35, 45, 50, 60 };
    FAIL_IF(v, norder != 7, "expected 7 callbacks (a 15 ms timer 4 times, and "
            "timers at 20, 35 and 50 ms), got %d", norder);
    for (int k = 0; k < 7 && k < norder; k++) {
        FAIL_IF(v, order[k] != want[k], "callback %d should be the timer due at "
                "%g ms, but was the one due at %g ms", k + 1, when[k], due_at[k]);
        FAIL_IF(v, fired_at[k] < when[k] - 0.5, "the timer due at %g ms fired early, "
                "at %.1f ms", when[k], fired_at[k]);
        FAIL_IF(v, fired_at[k] > when[k] + 40, "the timer due at %g ms fired late, "
                "at %.1f ms: does timers_next() say how long to sleep?", when[k],
                fired_at[k]);
    }
    timers_free(q);
}

Test(timing, a_poll_loop_sleeps_until_timers_are_due)
{
    struct verdict v = { 0 };
    struct gr_limits lim = { .timeout_s = 5 };
    struct gr_run r = gr_run_fn(real_loop, NULL, &v, sizeof v, &lim);
    gr_assert_clean(r, "a poll() loop on your timers");
    if (v.failed)
        cr_assert_fail("a poll() loop on your timers: %s", v.why);
    double cpu = r.user + r.sys;
    cr_assert(cpu <= 0.25 * r.wall + 0.01, "a poll() loop on your timers: it used "
              "%.0f ms of CPU in %.0f ms; a loop that sleeps until the next timer "
              "is due uses almost none: does timers_next() return 0 too early?",
              cpu * 1e3, r.wall * 1e3);
}
