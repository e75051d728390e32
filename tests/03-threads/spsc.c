/* Tests for exercise 3.8.  A producer thread and a consumer thread move
 * numbered items through the ring inside the sandbox; each item is also
 * a message (a record the producer filled in just before the push) that
 * the consumer checks.  Memory ordering bugs seldom show on x86, so the
 * race test runs the same kind of traffic under ThreadSanitizer.  The
 * timing test races the ring against the chapter's mutex queue
 * (chapters/03-threads/ring_queue.h) in the same run. */
#include "spsc.h"
#include "grader.h"
#include "timing.h"

#include "../../chapters/03-threads/ring_queue.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const struct gr_limits limits = { .timeout_s = 10 };

static void *tag(uintptr_t n)
{
    return (void *)n;
}

/* ---- one thread: full, empty, order, wrap-around --------------------- */

struct basics {
    int bad_caps, empty_rc, pushes_ok, full_rc, null_ok;
    uintptr_t got[4];
    long wrap_errors;
};

static void run_basics(void *arg, void *out)
{
    (void)arg;
    struct basics *b = out;
    size_t bad[] = { 0, 1, 3, 6, 100 };
    for (int i = 0; i < 5; i++) {
        struct spsc *r = spsc_create(bad[i]);
        b->bad_caps += r != NULL;
        spsc_destroy(r);
    }
    struct spsc *r = spsc_create(4);
    void *p = tag(77);
    b->empty_rc = spsc_pop(r, &p) == -1 && p == tag(77) ? -1 : 0;
    for (uintptr_t i = 1; i <= 4; i++)
        b->pushes_ok += spsc_push(r, tag(i)) == 0;
    b->full_rc = spsc_push(r, tag(5));
    for (int i = 0; i < 4; i++)
        if (spsc_pop(r, &p) == 0)
            b->got[i] = (uintptr_t)p;
    for (uintptr_t i = 1; i <= 1000; i++) { /* round and round the ring */
        void *q = NULL;
        if (spsc_push(r, tag(i)) != 0 || spsc_push(r, tag(i + 1)) != 0 ||
            spsc_pop(r, &q) != 0 || q != tag(i) || spsc_pop(r, &q) != 0 ||
            q != tag(i + 1))
            b->wrap_errors++;
    }
    b->null_ok = spsc_push(r, NULL) == 0 && spsc_pop(r, &p) == 0 && p == NULL;
    spsc_destroy(r);
}

Test(spsc, full_empty_and_order)
{
    struct basics b = { 0 };
    struct gr_run r = gr_run_fn(run_basics, NULL, &b, sizeof b, &limits);
    gr_assert_clean(r, "one thread: pushes and pops on a ring of 4");
    cr_assert_eq(b.bad_caps, 0, "spsc_create() must return NULL for a "
                 "capacity that is not a power of two >= 2 (0, 1, 3, 6, 100): "
                 "%d of those 5 got a ring", b.bad_caps);
    cr_assert_eq(b.empty_rc, -1, "spsc_pop() on an empty ring must return -1 "
                 "and leave *item alone");
    cr_assert_eq(b.pushes_ok, 4, "a ring of capacity 4 must take 4 items: "
                 "only %d pushes returned 0", b.pushes_ok);
    cr_assert_eq(b.full_rc, -1, "the 5th spsc_push() into a ring of capacity "
                 "4 must return -1 (full), it returned %d", b.full_rc);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(b.got[i], (uintptr_t)i + 1, "items must come out in the "
                     "order they went in: pop %d gave item %lu", i + 1,
                     (unsigned long)b.got[i]);
    cr_assert_eq(b.wrap_errors, 0, "pushing 2 and popping 2 items 1,000 times "
                 "(round the ring of 4 many times) went wrong %ld times: check "
                 "the indices wrap around", b.wrap_errors);
    cr_assert(b.null_ok, "a NULL item must go through the ring like any other");
}

/* ---- two threads: every message arrives, in order, intact ------------- */

enum { STRESS = 1000000, RING = 64 };

struct message {
    uintptr_t seq;
    uintptr_t check; /* seq * 2654435761, written with it */
};

struct stress {
    struct spsc *r;
    struct message *msgs;
    long n;
};

static void *producer(void *arg)
{
    struct stress *s = arg;
    for (long i = 0; i < s->n; i++) {
        struct message *m = &s->msgs[i];
        m->seq = (uintptr_t)i + 1; /* filled in just before the push */
        m->check = m->seq * 2654435761u;
        while (spsc_push(s->r, m) != 0)
            sched_yield(); /* full: let the consumer run */
    }
    return NULL;
}

struct stress_out {
    long received, out_of_order, torn;
    uintptr_t first_bad, expected;
};

static void run_stress(void *arg, void *out)
{
    (void)arg;
    struct stress_out *o = out;
    struct stress s = { .r = spsc_create(RING), .n = STRESS };
    s.msgs = calloc(STRESS, sizeof *s.msgs);
    pthread_t t;
    pthread_create(&t, NULL, producer, &s);
    uintptr_t next = 1;
    while (o->received < STRESS) {
        void *p;
        if (spsc_pop(s.r, &p) != 0) {
            sched_yield(); /* empty: let the producer run */
            continue;
        }
        struct message *m = p;
        o->received++;
        if (m != &s.msgs[next - 1] && o->out_of_order++ == 0)
            o->first_bad = (uintptr_t)(m - s.msgs) + 1, o->expected = next;
        else if ((m->seq != next || m->check != next * 2654435761u) && !o->torn++)
            o->first_bad = next;
        next++;
    }
    pthread_join(t, NULL);
    spsc_destroy(s.r);
    free(s.msgs);
}

Test(spsc, a_million_messages)
{
    struct stress_out o = { 0 };
    struct gr_run r = gr_run_fn(run_stress, NULL, &o, sizeof o, &limits);
    gr_assert_clean(r, "1,000,000 messages from a producer thread to a "
                    "consumer thread through a ring of 64");
    cr_assert_eq(o.out_of_order, 0, "%ld of %d messages came out of order "
                 "or twice (first: message %lu where %lu was due): an index "
                 "moved before its slot was written or read", o.out_of_order,
                 STRESS, (unsigned long)o.first_bad, (unsigned long)o.expected);
    cr_assert_eq(o.torn, 0, "%ld of %d messages arrived before their contents "
                 "(first: message %lu): the consumer saw the new tail before "
                 "the producer's writes; publish the tail with "
                 "memory_order_release and read it with memory_order_acquire",
                 o.torn, STRESS, (unsigned long)o.first_bad);
}

/* ---- lock-free: no mutex inside push and pop ----------------------------
 * This binary is linked with --wrap for the mutex calls (see
 * tests/03-threads/rules.mk), so the test can count the locks the ring
 * takes. */

static _Atomic long locks_taken;

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    atomic_fetch_add(&locks_taken, 1);
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    atomic_fetch_add(&locks_taken, 1);
    return __real_pthread_mutex_trylock(m);
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    return __real_pthread_mutex_unlock(m);
}

static void run_count_locks(void *arg, void *out)
{
    (void)arg;
    struct spsc *r = spsc_create(8);
    long before = atomic_load(&locks_taken);
    for (uintptr_t i = 1; i <= 100; i++) {
        void *p;
        spsc_push(r, tag(i));
        spsc_pop(r, &p);
    }
    *(long *)out = atomic_load(&locks_taken) - before;
    spsc_destroy(r);
}

Test(spsc, takes_no_lock)
{
    long locks = 0;
    struct gr_run r = gr_run_fn(run_count_locks, NULL, &locks, sizeof locks, &limits);
    gr_assert_clean(r, "100 pushes and 100 pops");
    cr_assert_eq(locks, 0, "100 calls of spsc_push() and 100 of spsc_pop() "
                 "locked a mutex %ld times: the ring must be lock-free, with "
                 "the two indices as C11 atomics (<stdatomic.h>)", locks);
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 20);
}

/* The timing test below drives both queues from loops in this file (Makefile): */
// timed code here: -O2

/* ---- throughput against the chapter's mutex queue ---------------------- */

enum { ITEMS = 200000, QCAP = 256, ROUNDS = 5 };

/* A full or empty ring is usually a moment's wait for the other thread:
 * spin a little before giving the core away, as real users of a ring do,
 * so that the time measured is the ring's and not sched_yield()'s. */
static void backoff(int *tries)
{
    if (++*tries < 200) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        return;
    }
    *tries = 0;
    sched_yield();
}

static void *spsc_feed(void *arg)
{
    struct spsc *r = arg;
    int tries = 0;
    for (uintptr_t i = 1; i <= ITEMS; i++)
        while (spsc_push(r, tag(i)) != 0)
            backoff(&tries);
    return NULL;
}

static void *rq_feed(void *arg)
{
    for (uintptr_t i = 1; i <= ITEMS; i++)
        rq_put(arg, tag(i));
    return NULL;
}

/* Seconds to move ITEMS through the ring (the other tests check them). */
static double time_spsc(void)
{
    struct spsc *r = spsc_create(QCAP);
    pthread_t t;
    double t0 = now_s();
    pthread_create(&t, NULL, spsc_feed, r);
    int tries = 0;
    for (long got = 0; got < ITEMS;) {
        void *p;
        if (spsc_pop(r, &p) != 0)
            backoff(&tries);
        else
            got++;
    }
    pthread_join(t, NULL);
    double dt = now_s() - t0;
    spsc_destroy(r);
    return dt;
}

static double time_mutex_queue(void)
{
    struct ring_queue q;
    rq_init(&q, QCAP);
    pthread_t t;
    double t0 = now_s();
    pthread_create(&t, NULL, rq_feed, &q);
    for (uintptr_t i = 1; i <= ITEMS; i++)
        rq_get(&q);
    pthread_join(t, NULL);
    double dt = now_s() - t0;
    free(q.items);
    return dt;
}

struct race_out {
    double spsc[ROUNDS], mutex[ROUNDS];
};

static void run_race(void *arg, void *out)
{
    (void)arg;
    struct race_out *o = out;
    for (int i = 0; i < ROUNDS; i++) { /* interleaved: both see the same load */
        o->mutex[i] = time_mutex_queue();
        o->spsc[i] = time_spsc();
    }
}

/* The ring takes no lock and makes no system call per item, and the
 * queue takes a lock and signals a condition per item; on two free cores
 * the ring is several times faster (plots/03-threads/spsc.dat).  A busy
 * machine adds noise of the same size, so a failing comparison is
 * measured again, and a noisy one is skipped rather than failed. */
#define PASS_RATIO 1.2
#define ATTEMPTS 3

/* The larger of max/min over both series: how steady the machine was. */
static double spread(const struct race_out *o)
{
    double worst = 1;
    for (int s = 0; s < 2; s++) {
        const double *v = s ? o->spsc : o->mutex;
        double lo = v[0], hi = v[0];
        for (int i = 1; i < ROUNDS; i++)
            lo = v[i] < lo ? v[i] : lo, hi = v[i] > hi ? v[i] : hi;
        worst = hi / lo > worst ? hi / lo : worst;
    }
    return worst;
}

Test(timing, faster_than_the_mutex_queue)
{
    if (usable_cores() < 2)
        cr_skip_test("skipped: only %d usable core, and a producer and a "
                     "consumer that take turns on one core measure the "
                     "scheduler, not the ring", usable_cores());
    double ring = 0, queue = 0, noise = 1;
    int a, clear = 0;
    for (a = 0; a < ATTEMPTS && clear < 2; a++) {
        struct race_out o = { 0 };
        struct gr_run r = gr_run_fn(run_race, NULL, &o, sizeof o, &limits);
        gr_assert_clean(r, "5 interleaved rounds of 200,000 items through "
                        "the ring and through the chapter's mutex queue");
        noise = spread(&o);
        ring = median(o.spsc, ROUNDS);
        queue = median(o.mutex, ROUNDS);
        if (ring * PASS_RATIO <= queue)
            return; /* passed */
        /* Short of the mark by more than the noise: a failure seen twice
         * so stands (as in speedup.c); a third attempt is for the
         * attempts that the noise leaves open. */
        clear += queue / ring * noise < PASS_RATIO;
    }
    if (queue / ring * noise >= PASS_RATIO) /* within the noise: no verdict */
        cr_skip_test("skipped as inconclusive: the ring's median was %.3f s "
                     "and the mutex queue's %.3f s for 200,000 items, but "
                     "the rounds of one of them varied %.1f-fold, enough "
                     "to hide a %.1f-fold difference: the machine is too "
                     "busy to compare; re-run later: %s",
                     ring, queue, noise, PASS_RATIO, gr_rerun());
    cr_assert_fail("200,000 items took %.3f s through the ring and %.3f s "
                   "through the chapter's mutex queue (medians of 5 "
                   "interleaved rounds, %d attempts): the ring is %.2f times "
                   "as fast, and at least %.1f passes. A lock-free ring takes "
                   "no lock and makes no system call per item: push and pop "
                   "only load and store atomics and return, and waiting is "
                   "left to the caller. Re-run: %s", ring, queue, a,
                   queue / ring, PASS_RATIO, gr_rerun());
}
