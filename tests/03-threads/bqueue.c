/* Tests for exercise 3.4.  Each test drives the queue from several threads
 * inside the sandbox and reports what it saw; a queue that never wakes a
 * waiter is stopped by the sandbox's timeout and reported as a hang.  The
 * timing test measures, with getrusage() in the same run, the CPU time
 * and the wake-ups of threads that wait on the queue. */
#include "bqueue.h"
#include "grader.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static const struct gr_limits limits = { .timeout_s = 5 };

static void *tag(uintptr_t n)
{
    return (void *)n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- one thread: order, wrap-around, close --------------------------- */

struct order {
    int puts_ok, gets_ok, get_after_close, put_after_close;
    uintptr_t got[8];
};

static void run_order(void *arg, void *out)
{
    (void)arg;
    struct order *o = out;
    struct bqueue *q = bq_create(5);
    for (uintptr_t i = 1; i <= 5; i++) /* fill it, then drain it */
        o->puts_ok += bq_put(q, tag(i)) == 0;
    for (int i = 0; i < 3; i++) {
        void *p = NULL;
        o->gets_ok += bq_get(q, &p) == 0;
        o->got[i] = (uintptr_t)p;
    }
    for (uintptr_t i = 6; i <= 8; i++) /* these wrap around the ring */
        o->puts_ok += bq_put(q, tag(i)) == 0;
    bq_close(q);
    o->put_after_close = bq_put(q, tag(99));
    for (int i = 3; i < 8; i++) {
        void *p = NULL;
        o->gets_ok += bq_get(q, &p) == 0;
        o->got[i] = (uintptr_t)p;
    }
    void *p = tag(77);
    o->get_after_close = bq_get(q, &p);
    if (p != tag(77))
        o->get_after_close = 2; /* it wrote *item without an item */
    bq_destroy(q);
}

Test(bqueue, fifo_order_and_close)
{
    struct order o = { 0 };
    struct gr_run r = gr_run_fn(run_order, NULL, &o, sizeof o, &limits);
    gr_assert_clean(r, "put 5, get 3, put 3, close, get 5");
    cr_assert_eq(o.puts_ok, 8, "bq_put() into an open queue with room must "
                 "return 0: only %d of 8 did", o.puts_ok);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(o.got[i], (uintptr_t)i + 1, "items must come out in the "
                     "order they went in: get number %d returned item %lu, "
                     "expected %d", i + 1, (unsigned long)o.got[i], i + 1);
    cr_assert_eq(o.put_after_close, -1, "bq_put() on a closed queue must "
                 "return -1, it returned %d", o.put_after_close);
    cr_assert_eq(o.gets_ok, 8, "after bq_close(), bq_get() must still hand "
                 "out the items left in the queue");
    cr_assert_eq(o.get_after_close, -1, "bq_get() on a closed, empty queue "
                 "must return -1 without touching *item (it %s)",
                 o.get_after_close == 2 ? "changed *item" : "did not return -1");
}

/* ---- blocking: a full queue holds putters, an empty one getters ------ */

struct blocker {
    struct bqueue *q;
    int n;                  /* how many puts (or one get) to do */
    _Atomic int done;       /* how many returned */
    _Atomic int *tid;       /* where to put its thread id, or NULL */
    void *got;
    int rc;
};

static void *putter(void *arg)
{
    struct blocker *b = arg;
    if (b->tid)
        atomic_store(b->tid, gr_tid());
    for (int i = 0; i < b->n; i++) {
        b->rc = bq_put(b->q, tag((uintptr_t)i + 1));
        atomic_fetch_add(&b->done, 1);
    }
    return NULL;
}

static void *getter(void *arg)
{
    struct blocker *b = arg;
    if (b->tid)
        atomic_store(b->tid, gr_tid());
    b->rc = bq_get(b->q, &b->got);
    atomic_fetch_add(&b->done, 1);
    return NULL;
}

struct waited {
    int before, after, rc;
    uintptr_t got;
};

static void run_put_blocks(void *arg, void *out)
{
    (void)arg;
    struct waited *w = out;
    struct blocker b = { .q = bq_create(2), .n = 3 };
    pthread_t t;
    pthread_create(&t, NULL, putter, &b);
    for (int i = 0; i < 200 && atomic_load(&b.done) < 2; i++)
        sleep_ms(10); /* the first two puts fit */
    sleep_ms(100);
    w->before = atomic_load(&b.done); /* 2: the third put must wait */
    void *p;
    bq_get(b.q, &p);
    pthread_join(t, NULL); /* hangs here if the get woke nobody */
    w->after = atomic_load(&b.done);
    w->rc = b.rc;
    bq_destroy(b.q);
}

Test(bqueue, put_waits_while_full)
{
    struct waited w = { 0 };
    struct gr_run r = gr_run_fn(run_put_blocks, NULL, &w, sizeof w, &limits);
    gr_assert_clean(r, "3 puts into a queue of capacity 2, then a get");
    cr_assert_eq(w.before, 2, "with capacity 2, the third bq_put() must wait "
                 "until there is room; after 100 ms, %d of 3 puts had "
                 "returned", w.before);
    cr_assert(w.after == 3 && w.rc == 0, "after a bq_get() made room, the "
              "waiting bq_put() must finish and return 0 (it returned %d)", w.rc);
}

static void run_get_blocks(void *arg, void *out)
{
    (void)arg;
    struct waited *w = out;
    struct blocker b = { .q = bq_create(4) };
    pthread_t t;
    pthread_create(&t, NULL, getter, &b);
    sleep_ms(100);
    w->before = atomic_load(&b.done); /* 0: nothing to get yet */
    bq_put(b.q, tag(42));
    pthread_join(t, NULL); /* hangs here if the put woke nobody */
    w->after = atomic_load(&b.done);
    w->rc = b.rc;
    w->got = (uintptr_t)b.got;
    bq_destroy(b.q);
}

Test(bqueue, get_waits_while_empty)
{
    struct waited w = { 0 };
    struct gr_run r = gr_run_fn(run_get_blocks, NULL, &w, sizeof w, &limits);
    gr_assert_clean(r, "a get from an empty queue, then a put");
    cr_assert_eq(w.before, 0, "bq_get() on an empty, open queue must wait for "
                 "an item, but it returned (with %d) before anything was put",
                 w.rc);
    cr_assert(w.after == 1 && w.rc == 0 && w.got == 42, "the waiting bq_get() "
              "must receive the item put later (it returned %d with item %lu)",
              w.rc, (unsigned long)w.got);
}

/* ---- close wakes every waiter ------------------------------------------ */

enum { WAITERS = 3 };

struct woken {
    int getters_rc[WAITERS], putters_rc[WAITERS], left_rc;
    uintptr_t left;
};

static void run_close_wakes(void *arg, void *out)
{
    (void)arg;
    struct woken *w = out;
    struct bqueue *empty = bq_create(1), *full = bq_create(1);
    bq_put(full, tag(7));
    struct blocker g[WAITERS], p[WAITERS];
    pthread_t tg[WAITERS], tp[WAITERS];
    static _Atomic int tids[2 * WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        g[i] = (struct blocker){ .q = empty, .tid = &tids[i] };
        p[i] = (struct blocker){ .q = full, .n = 1, .tid = &tids[WAITERS + i] };
        pthread_create(&tg[i], NULL, getter, &g[i]);
        pthread_create(&tp[i], NULL, putter, &p[i]);
    }
    /* All asleep before the close: a thread that arrives after it returns
     * -1 without waiting, and a close that wakes one would go unseen. */
    gr_settle(tids, 2 * WAITERS, 2000);
    bq_close(empty);
    bq_close(full);
    for (int i = 0; i < WAITERS; i++) { /* hangs if close woke only some */
        pthread_join(tg[i], NULL);
        pthread_join(tp[i], NULL);
        w->getters_rc[i] = g[i].rc;
        w->putters_rc[i] = p[i].rc;
    }
    void *item = NULL;
    w->left_rc = bq_get(full, &item);
    w->left = (uintptr_t)item;
    bq_destroy(empty);
    bq_destroy(full);
}

Test(bqueue, close_wakes_every_waiter)
{
    struct woken w = { 0 };
    struct gr_run r = gr_run_fn(run_close_wakes, NULL, &w, sizeof w, &limits);
    if (r.outcome == GR_TIMEOUT)
        cr_assert_fail("bq_close() with %d getters waiting on an empty queue "
                       "and %d putters waiting on a full one: not every "
                       "thread woke up and returned (the test hung). Wake "
                       "them all: pthread_cond_broadcast()", WAITERS, WAITERS);
    gr_assert_clean(r, "bq_close() with threads waiting");
    for (int i = 0; i < WAITERS; i++) {
        cr_assert_eq(w.getters_rc[i], -1, "a bq_get() waiting on an empty "
                     "queue must return -1 when it is closed, not %d",
                     w.getters_rc[i]);
        cr_assert_eq(w.putters_rc[i], -1, "a bq_put() waiting on a full "
                     "queue must return -1 when it is closed, not %d",
                     w.putters_rc[i]);
    }
    cr_assert(w.left_rc == 0 && w.left == 7, "the item already in the queue "
              "must still come out after bq_close()");
}

/* ---- many producers, many consumers: nothing lost, nothing twice ------ */

enum { PRODUCERS = 4, CONSUMERS = 4, EACH = 5000 };

struct crowd {
    struct bqueue *q;
    int id;
    _Atomic unsigned char *seen; /* times each item came out */
    int out_of_order;            /* a producer's items must keep their order */
};

static void *produce(void *arg)
{
    struct crowd *c = arg;
    for (uintptr_t i = 0; i < EACH; i++)
        bq_put(c->q, tag(1 + (uintptr_t)c->id * EACH + i));
    return NULL;
}

static void *consume(void *arg)
{
    struct crowd *c = arg;
    uintptr_t last[PRODUCERS] = { 0 };
    void *p;
    while (bq_get(c->q, &p) == 0) {
        uintptr_t v = (uintptr_t)p - 1, from = v / EACH;
        if (v >= (uintptr_t)PRODUCERS * EACH) {
            c->out_of_order = -1; /* not an item anyone put */
            continue;
        }
        if (last[from] && v + 1 <= last[from])
            c->out_of_order++;
        last[from] = v + 1;
        atomic_fetch_add(&c->seen[v], 1);
    }
    return NULL;
}

struct census {
    int lost, twice, bogus, out_of_order;
    long first_lost, first_twice;
};

static void run_crowd(void *arg, void *out)
{
    (void)arg;
    struct census *s = out;
    static _Atomic unsigned char seen[PRODUCERS * EACH];
    struct bqueue *q = bq_create(3); /* small: everyone waits a lot */
    struct crowd pc[PRODUCERS], cc[CONSUMERS];
    pthread_t tp[PRODUCERS], tc[CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++) {
        cc[i] = (struct crowd){ .q = q, .id = i, .seen = seen };
        pthread_create(&tc[i], NULL, consume, &cc[i]);
    }
    for (int i = 0; i < PRODUCERS; i++) {
        pc[i] = (struct crowd){ .q = q, .id = i, .seen = seen };
        pthread_create(&tp[i], NULL, produce, &pc[i]);
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(tp[i], NULL);
    bq_close(q); /* the consumers drain what is left, then stop */
    for (int i = 0; i < CONSUMERS; i++) {
        pthread_join(tc[i], NULL);
        s->out_of_order += cc[i].out_of_order > 0 ? cc[i].out_of_order : 0;
        s->bogus += cc[i].out_of_order < 0;
    }
    s->first_lost = s->first_twice = -1;
    for (long v = 0; v < PRODUCERS * EACH; v++) {
        int n = atomic_load(&seen[v]);
        if (n == 0 && s->lost++ == 0)
            s->first_lost = v + 1;
        if (n > 1 && s->twice++ == 0)
            s->first_twice = v + 1;
    }
    bq_destroy(q);
}

Test(bqueue, many_producers_many_consumers)
{
    struct census s = { 0 };
    struct gr_run r = gr_run_fn(run_crowd, NULL, &s, sizeof s, &limits);
    gr_assert_clean(r, "4 producers and 4 consumers, 20,000 items, capacity 3");
    cr_assert_eq(s.lost, 0, "%d of %d items were put but never came out "
                 "(item %ld, for one): lost", s.lost, PRODUCERS * EACH,
                 s.first_lost);
    cr_assert_eq(s.twice, 0, "%d items came out more than once (item %ld, "
                 "for one): a slot was read twice", s.twice, s.first_twice);
    cr_assert_eq(s.bogus, 0, "a consumer received a pointer nobody put");
    cr_assert_eq(s.out_of_order, 0, "%d times a consumer received an item "
                 "of one producer before an earlier one of the same producer: "
                 "the queue must be first in, first out", s.out_of_order);
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 10);
}

/* ---- waiting costs nothing ------------------------------------------- */

struct idle {
    double window, cpu;
    long wakeups;
    int returned_early;
};

static void usage(double *cpu, long *switches)
{
    struct rusage ru; /* RUSAGE_SELF: every thread of the process */
    getrusage(RUSAGE_SELF, &ru);
    *cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    *switches = ru.ru_nvcsw + ru.ru_nivcsw;
}

static void run_idle(void *arg, void *out)
{
    (void)arg;
    struct idle *s = out;
    struct bqueue *empty = bq_create(4), *full = bq_create(1);
    bq_put(full, tag(1));
    struct blocker g[2], p[2];
    pthread_t tg[2], tp[2];
    static _Atomic int tids[4];
    for (int i = 0; i < 2; i++) {
        g[i] = (struct blocker){ .q = empty, .tid = &tids[i] };
        p[i] = (struct blocker){ .q = full, .n = 1, .tid = &tids[2 + i] };
        pthread_create(&tg[i], NULL, getter, &g[i]);
        pthread_create(&tp[i], NULL, putter, &p[i]);
    }
    /* Let them all block; spinning ones never do, and 0.1 s of CPU shows
     * that in 50 ms instead of a whole second. */
    gr_settle_unless_busy(tids, 4, 1000, 0.1);
    double cpu0, cpu1, t0 = now_s();
    long sw0, sw1;
    usage(&cpu0, &sw0);
    sleep_ms(300);
    usage(&cpu1, &sw1);
    s->window = now_s() - t0;
    s->cpu = cpu1 - cpu0;
    s->wakeups = sw1 - sw0;
    for (int i = 0; i < 2; i++)
        s->returned_early += atomic_load(&g[i].done) + atomic_load(&p[i].done);
    bq_close(empty);
    bq_close(full);
    for (int i = 0; i < 2; i++) {
        pthread_join(tg[i], NULL);
        pthread_join(tp[i], NULL);
    }
    bq_destroy(empty);
    bq_destroy(full);
}

Test(timing, waiting_threads_use_no_cpu)
{
    struct idle s = { 0 };
    struct gr_run r = gr_run_fn(run_idle, NULL, &s, sizeof s, &limits);
    gr_assert_clean(r, "2 getters on an empty queue and 2 putters on a full one");
    cr_assert_eq(s.returned_early, 0, "bq_get() on an empty queue and bq_put() "
                 "on a full one must wait, but %d of 4 returned at once",
                 s.returned_early);
    /* Four sleeping threads use no CPU and are not woken at all; a busy
     * loop burns up to four cores' worth, a poll every millisecond wakes
     * them over a thousand times in the window. */
    double share = s.cpu / s.window;
    cr_assert(share < 0.05, "4 threads waiting on the queue used %.3f s of CPU "
              "in %.3f s (%.1f%% of a core; sleeping threads use none, and "
              "under 5%% passes): they are busy-waiting or polling. Sleep "
              "on a condition variable (pthread_cond_wait) instead",
              s.cpu, s.window, 100 * share);
    cr_assert(s.wakeups < 40, "4 threads waiting on the queue were switched "
              "in and out %ld times in %.3f s: they are polling (sleeping and "
              "checking again). Sleep on a condition variable "
              "(pthread_cond_wait), which wakes a thread only when it is "
              "signalled", s.wakeups, s.window);
}
