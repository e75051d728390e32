/* Tests for exercise 3.7.  Threads wait for and post permits inside the
 * sandbox.  A lost wake-up leaves a thread asleep for ever, so the tests
 * that can hang count their progress in memory shared with the test
 * process and report how far they got; the others poll for the result
 * with a deadline instead of joining blindly. */
#include "csem.h"
#include "grader.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

static const struct gr_limits limits = { .timeout_s = 10 };

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Poll until *flag reaches want or ms pass; the value reached. */
static int wait_for(_Atomic int *flag, int want, int ms)
{
    for (int i = 0; i < ms / 5 && atomic_load(flag) < want; i++)
        sleep_ms(5);
    return atomic_load(flag);
}

/* ---- one thread: the count --------------------------------------------- */

struct counts {
    int first, second, third, after_post, after_wait;
};

static void run_counts(void *arg, void *out)
{
    (void)arg;
    struct counts *c = out;
    struct csem *s = csem_create(2);
    c->first = csem_trywait(s);
    c->second = csem_trywait(s);
    c->third = csem_trywait(s); /* none left */
    csem_post(s);
    csem_post(s);
    csem_wait(s); /* one of the two: must not block */
    c->after_post = csem_trywait(s);
    c->after_wait = csem_trywait(s);
    csem_destroy(s);
}

Test(sem, counts_permits)
{
    struct counts c = { 0 };
    struct gr_run r = gr_run_fn(run_counts, NULL, &c, sizeof c, &limits);
    gr_assert_clean(r, "one thread: 3 trywaits on 2 permits, 2 posts, a "
                    "wait, 2 trywaits");
    cr_assert(c.first == 0 && c.second == 0, "csem_trywait() on a semaphore "
              "created with 2 permits must return 0 twice (it returned %d, "
              "%d)", c.first, c.second);
    cr_assert_eq(c.third, -1, "a third csem_trywait() on 2 permits must "
                 "return -1, it returned %d", c.third);
    cr_assert(c.after_post == 0 && c.after_wait == -1, "after 2 posts and "
              "a wait, one permit is left: csem_trywait() must return 0, "
              "then -1 (it returned %d, then %d)", c.after_post, c.after_wait);
}

/* ---- a wait sleeps until a post ------------------------------------------ */

enum { WAITERS = 4, ROUNDS = 6 };

/* Each waiter has a slot for its thread id, so that the test can wait
 * until it is asleep in csem_wait() rather than guess how long that takes. */
struct sleepers {
    struct csem *s;
    _Atomic int done;
    _Atomic int tid[WAITERS];
    pthread_t t[WAITERS];
};

struct slot {
    struct sleepers *all;
    int i;
};

static void *waiter(void *arg)
{
    struct slot *sl = arg;
    atomic_store(&sl->all->tid[sl->i], gr_tid());
    csem_wait(sl->all->s);
    atomic_fetch_add(&sl->all->done, 1);
    return NULL;
}

/* Start waiters from..WAITERS-1 and wait until they sleep, or (busy > 0)
 * until they have burned `busy` s of CPU without: they spin. */
static void start_waiters_busy(struct sleepers *all, struct slot *slots, int from,
                               double busy)
{
    for (int i = from; i < WAITERS; i++) {
        atomic_store(&all->tid[i], 0);
        slots[i] = (struct slot){ all, i };
        pthread_create(&all->t[i], NULL, waiter, &slots[i]);
    }
    gr_settle_unless_busy(all->tid + from, WAITERS - from, 1000, busy);
}

static void start_waiters(struct sleepers *all, struct slot *slots, int from)
{
    start_waiters_busy(all, slots, from, 0);
}

struct wakeups {
    int before, after_one, after_all, rounds;
};

/* One post wakes one of 4 sleepers.  Then, in each round, 3 posts back to
 * back must wake the other 3.  A post that signals only when the count
 * was 0 loses a wake-up unless a woken thread takes its permit between
 * two posts; that happens now and then on a busy machine, so the test
 * repeats the round with fresh sleepers, and one lost wake-up fails it. */
static void run_wakeups(void *arg, void *out)
{
    (void)arg;
    struct wakeups *w = out;
    static struct sleepers all;
    struct slot slots[WAITERS];
    all.s = csem_create(0);
    start_waiters(&all, slots, 0);
    w->before = atomic_load(&all.done);
    csem_post(all.s);
    wait_for(&all.done, 1, 1000);
    sleep_ms(50); /* a second waiter that wrongly wakes has time to show */
    w->after_one = atomic_load(&all.done);
    for (w->rounds = 1; w->rounds <= ROUNDS; w->rounds++) {
        int want = WAITERS + (w->rounds - 1) * (WAITERS - 1);
        for (int i = 1; i < WAITERS; i++) /* back to back: none may be lost */
            csem_post(all.s);
        w->after_all = wait_for(&all.done, want, 2000) - (want - WAITERS);
        if (w->after_all < WAITERS)
            return; /* a waiter sleeps for ever: it cannot be joined */
        for (int i = 1; i < WAITERS; i++)
            pthread_join(all.t[i], NULL);
        if (w->rounds < ROUNDS)
            start_waiters(&all, slots, 1);
    }
    pthread_join(all.t[0], NULL);
    csem_destroy(all.s);
}

Test(sem, every_post_wakes_a_waiter)
{
    struct wakeups w = { 0 };
    struct gr_run r = gr_run_fn(run_wakeups, NULL, &w, sizeof w, &limits);
    if (r.outcome != GR_OK) /* a crash or a hang: say so first */
        gr_assert_clean(r, "4 threads waiting on 0 permits, then 4 posts");
    cr_assert_eq(w.before, 0, "csem_wait() with no permit must sleep, but %d "
                 "of 4 waiting threads returned before any post", w.before);
    cr_assert_eq(w.after_one, 1, "one csem_post() with 4 threads waiting "
                 "must let exactly one through, it let %d through",
                 w.after_one);
    cr_assert_eq(w.after_all, WAITERS, "in round %d of %d, 3 posts in a row "
                 "with 3 threads asleep in csem_wait() woke only %d of them "
                 "within 2 s: a wake-up was lost (every post must signal, not "
                 "only the one that finds the count at 0)", w.rounds, ROUNDS,
                 w.after_all - 1);
    gr_assert_clean(r, "4 threads waiting on 0 permits, then 4 posts");
}

/* ---- ping-pong: two semaphores, many hand-overs ------------------------- */

enum { ROUND_TRIPS = 50000 };

static _Atomic int *progress; /* shared with the test: survives a hang */

struct pair {
    struct csem *ping, *pong;
};

static void *ponger(void *arg)
{
    struct pair *p = arg;
    for (int i = 0; i < ROUND_TRIPS; i++) {
        csem_wait(p->ping);
        csem_post(p->pong);
    }
    return NULL;
}

static void run_ping_pong(void *arg, void *out)
{
    (void)arg;
    (void)out;
    struct pair p = { csem_create(0), csem_create(0) };
    pthread_t t;
    pthread_create(&t, NULL, ponger, &p);
    for (int i = 0; i < ROUND_TRIPS; i++) {
        csem_post(p.ping);
        csem_wait(p.pong);
        atomic_store(progress, i + 1);
    }
    pthread_join(t, NULL);
    csem_destroy(p.ping);
    csem_destroy(p.pong);
}

Test(sem, ping_pong_loses_no_wakeup)
{
    progress = mmap(NULL, sizeof *progress, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(progress != MAP_FAILED, "the test could not map its counter");
    struct gr_run r = gr_run_fn(run_ping_pong, NULL, NULL, 0, &limits);
    if (r.outcome == GR_TIMEOUT)
        cr_assert_fail("two threads handing a permit back and forth through "
                       "two semaphores stopped after %d of %d round trips "
                       "and slept until the %g s timeout: a wake-up was lost "
                       "(a post that changes the count or signals without "
                       "holding the mutex can fall between a waiter's test "
                       "and its sleep). Re-run: %s", atomic_load(progress),
                       ROUND_TRIPS, limits.timeout_s, gr_rerun());
    gr_assert_clean(r, "50,000 round trips between two threads");
}

/* ---- a limiter under contention ------------------------------------------ */

enum { THREADS = 8, PERMITS = 3, EACH = 4000 };

struct limiter {
    struct csem *s;
    _Atomic int inside, most;
    _Atomic long entries;
};

static void *user(void *arg)
{
    struct limiter *l = arg;
    for (int i = 0; i < EACH; i++) {
        if (i % 4 == 3 ? csem_trywait(l->s) != 0 : (csem_wait(l->s), 0))
            continue; /* a trywait that found no permit */
        int now = atomic_fetch_add(&l->inside, 1) + 1;
        for (int most = atomic_load(&l->most); now > most &&
             !atomic_compare_exchange_weak(&l->most, &most, now);)
            ;
        atomic_fetch_add(&l->entries, 1);
        if (i % 16 == 0)
            sched_yield(); /* hold the permit a while, now and then */
        atomic_fetch_sub(&l->inside, 1);
        csem_post(l->s);
    }
    return NULL;
}

struct crowd {
    int most, left;
    long entries;
};

static void run_limiter(void *arg, void *out)
{
    (void)arg;
    struct crowd *c = out;
    struct limiter l = { .s = csem_create(PERMITS) };
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, user, &l);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    c->most = atomic_load(&l.most);
    c->entries = atomic_load(&l.entries);
    while (csem_trywait(l.s) == 0 && c->left <= PERMITS)
        c->left++; /* every permit must be back */
    csem_destroy(l.s);
}

Test(sem, limit_holds_under_contention)
{
    struct crowd c = { 0 };
    struct gr_run r = gr_run_fn(run_limiter, NULL, &c, sizeof c, &limits);
    gr_assert_clean(r, "8 threads, 3 permits, 4,000 waits or trywaits each");
    cr_assert(c.most <= PERMITS, "with %d permits and %d threads, %d threads "
              "were between csem_wait() and csem_post() at once: a waiter "
              "returned without a permit (test the count in a while loop, "
              "not an if: when a woken thread runs, another may already "
              "have taken the permit)", PERMITS, THREADS, c.most);
    cr_assert_eq(c.left, PERMITS, "after every thread posted back what it "
                 "took, %d permits were left, not %d: the count drifted (a "
                 "change to it without the mutex?)", c.left, PERMITS);
    cr_assert(c.entries > 0, "no thread ever got a permit");
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 20);
}

/* ---- waiting costs nothing ------------------------------------------------ */

struct idle {
    double window, cpu;
    int returned;
};

static double cpu_now(void)
{
    struct rusage ru; /* RUSAGE_SELF: every thread of the process */
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void run_idle(void *arg, void *out)
{
    (void)arg;
    struct idle *d = out;
    static struct sleepers all;
    struct slot slots[WAITERS];
    all.s = csem_create(0);
    /* 3 of them, in slots 1-3; spinning ones never sleep, and 0.1 s of
     * CPU shows that in 50 ms instead of a whole second */
    start_waiters_busy(&all, slots, 1, 0.1);
    double c0 = cpu_now(), t0 = now_s();
    sleep_ms(300);
    d->cpu = cpu_now() - c0;
    d->window = now_s() - t0;
    d->returned = atomic_load(&all.done);
    for (int i = 1; i < WAITERS; i++)
        csem_post(all.s);
    if (wait_for(&all.done, 3, 2000) < 3)
        return; /* a lost wake-up: the other test names it */
    for (int i = 1; i < WAITERS; i++)
        pthread_join(all.t[i], NULL);
    csem_destroy(all.s);
}

Test(timing, waiting_uses_no_cpu)
{
    struct idle d = { 0 };
    struct gr_run r = gr_run_fn(run_idle, NULL, &d, sizeof d, &limits);
    gr_assert_clean(r, "3 threads in csem_wait() on 0 permits");
    cr_assert_eq(d.returned, 0, "csem_wait() on 0 permits must sleep, but "
                 "%d of 3 waiters returned", d.returned);
    double share = d.cpu / d.window; /* sleeping threads use none */
    cr_assert(share < 0.05, "3 threads waiting in csem_wait() used %.3f s of "
              "CPU in %.3f s (%.1f%% of a core; under 5%% passes): they are "
              "busy-waiting. Sleep on a condition variable "
              "(pthread_cond_wait) instead. Re-run: %s", d.cpu, d.window,
              100 * share, gr_rerun());
}
