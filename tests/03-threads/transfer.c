/* Tests for exercise 3.6.  Threads make transfers inside the sandbox; a
 * deadlock is stopped by its timeout.  To say *which* locks deadlocked,
 * this binary is linked with -Wl,--wrap=pthread_mutex_lock (and unlock,
 * trylock; see tests/03-threads/rules.mk): every lock call in the learner's
 * code goes through the wrappers below, which keep a wait-for table in
 * memory shared with the test process.  After a timeout the test walks
 * the table from thread to lock to owner, and a cycle is a deadlock,
 * reported with its threads and accounts. */
#include "transfer.h"
#include "grader.h"
#include "timing.h"

#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

static const struct gr_limits limits = { .timeout_s = 10 };

/* ---- the wait-for table ---------------------------------------------- */

enum { MAX_THREADS = 16, MAX_HELD = 64 };

struct wf_thread {
    _Atomic(void *) waits;          /* the mutex it is blocked on, or NULL */
    _Atomic(void *) held[MAX_HELD]; /* the mutexes it holds */
};

struct wf_table {
    struct wf_thread t[MAX_THREADS];
    _Atomic(struct account *) accounts; /* to name a mutex by its account */
    _Atomic int n_accounts;
};

static struct wf_table *wf;   /* shared with the sandbox's child */
static __thread int wf_me = -1; /* this thread's row; -1: not recorded */

int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);

static struct wf_thread *me(void)
{
    return wf && wf_me >= 0 ? &wf->t[wf_me] : NULL;
}

static void hold(struct wf_thread *t, void *m)
{
    for (int i = 0; i < MAX_HELD; i++) {
        void *empty = NULL;
        if (atomic_compare_exchange_strong(&t->held[i], &empty, m))
            return;
    }
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    struct wf_thread *t = me();
    if (t)
        atomic_store(&t->waits, m); /* stays set while it is blocked */
    int rc = __real_pthread_mutex_lock(m);
    if (t) {
        atomic_store(&t->waits, NULL);
        if (rc == 0) {
            hold(t, m);
            /* Let another thread run between this lock and the next: a
             * lock order that can deadlock then does so in this run, not
             * only in some (bank_total() locking in reverse once escaped
             * the contention test on a busy machine). */
            sched_yield();
        }
    }
    return rc;
}

int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    int rc = __real_pthread_mutex_trylock(m);
    if (rc == 0 && me())
        hold(me(), m);
    return rc;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    struct wf_thread *t = me();
    for (int i = 0; t && i < MAX_HELD; i++) {
        void *mine = m;
        if (atomic_compare_exchange_strong(&t->held[i], &mine, NULL))
            break;
    }
    return __real_pthread_mutex_unlock(m);
}

/* A fresh table, made before the sandbox forks so both sides see it. */
static void wf_reset(void)
{
    if (!wf)
        wf = mmap(NULL, sizeof *wf, PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(wf != MAP_FAILED, "the test could not map its wait-for table");
    memset(wf, 0, sizeof *wf);
}

static void wf_accounts(struct account *a, int n)
{
    atomic_store(&wf->accounts, a);
    atomic_store(&wf->n_accounts, n);
}

static int owner_of(void *m)
{
    for (int t = 0; m && t < MAX_THREADS; t++)
        for (int i = 0; i < MAX_HELD; i++)
            if (atomic_load(&wf->t[t].held[i]) == m)
                return t;
    return -1;
}

static void lock_name(void *m, char *buf, size_t n)
{
    struct account *a = atomic_load(&wf->accounts);
    for (int i = 0; a && i < atomic_load(&wf->n_accounts); i++)
        if (m == (void *)&a[i].lock) {
            snprintf(buf, n, "account %d", i);
            return;
        }
    snprintf(buf, n, "a mutex of its own at %p", m);
}

/* Follow thread -> awaited lock -> its owner from each blocked thread.
 * Writes the cycle's threads to cyc and returns its length, or 0. */
static int find_cycle(int cyc[MAX_THREADS])
{
    for (int start = 0; start < MAX_THREADS; start++) {
        int path[MAX_THREADS + 1], len = 0, u = start;
        while (u >= 0 && len <= MAX_THREADS) {
            for (int i = 0; i < len; i++)
                if (path[i] == u) { /* back to a thread on the path */
                    memcpy(cyc, path + i, (len - i) * sizeof *cyc);
                    return len - i;
                }
            path[len++] = u;
            u = owner_of(atomic_load(&wf->t[u].waits));
        }
    }
    return 0;
}

/* "thread 2 holds account 7 and waits for account 3; thread 5 holds ..." */
static void describe_cycle(const int *cyc, int k, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < k && used < n; i++) {
        char held[80], wants[80];
        void *w = atomic_load(&wf->t[cyc[i]].waits);
        lock_name(atomic_load(&wf->t[cyc[(i + k - 1) % k]].waits), held, sizeof held);
        lock_name(w, wants, sizeof wants);
        used += snprintf(buf + used, n - used, "%sthread %d holds %s and "
                         "waits for %s", i ? "; " : "", cyc[i], held, wants);
    }
}

static int same_cycle(const int *a, int na, const int *b, int nb)
{
    if (na != nb)
        return 0;
    for (int i = 0; i < na; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/* The cycle found by run_watched(), kept for assert_no_deadlock(). */
static int found[MAX_THREADS], found_len;

/* gr_run_fn(), but watching the wait-for table every 100 ms: a cycle seen
 * twice in a row cannot untangle itself (every thread in it is blocked),
 * so the run is stopped there and then instead of at the timeout. */
static struct gr_run run_watched(gr_fn fn, void *arg, void *out, size_t size)
{
    struct gr_proc p;
    found_len = 0;
    if (gr_start(&p, fn, arg, size, &limits) != 0)
        return gr_run_fn(fn, arg, out, size, &limits); /* reports the failure */
    int last[MAX_THREADS], last_len = 0;
    for (;;) {
        struct timespec ts = { 0, 100000000 };
        nanosleep(&ts, NULL);
        siginfo_t info = { 0 };
        if (waitid(P_PID, (id_t)p.pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
            info.si_pid == p.pid || now_s() > p.deadline)
            return gr_finish(&p, 0, out); /* it ended, or it is time */
        int cyc[MAX_THREADS], k = find_cycle(cyc);
        if (k > 0 && same_cycle(cyc, k, last, last_len)) {
            memcpy(found, cyc, sizeof cyc);
            found_len = k; /* kept: the kill below ends the run */
            return gr_finish(&p, SIGKILL, out);
        }
        memcpy(last, cyc, sizeof cyc);
        last_len = k;
    }
}

/* Fail with the cycle if the run deadlocked; otherwise as any run. */
static void assert_no_deadlock(struct gr_run r, const char *what, const char *who)
{
    int *cyc = found, k = found_len;
    int late[MAX_THREADS];
    if (!k && r.outcome == GR_TIMEOUT) /* a cycle that formed at the end */
        k = find_cycle(late), cyc = late;
    if (k == 1) {
        char name[80];
        lock_name(atomic_load(&wf->t[cyc[0]].waits), name, sizeof name);
        cr_assert_fail("%s: deadlock: thread %d holds %s and waits for it "
                       "again (%s; a normal mutex locked twice by one thread "
                       "waits for ever). Re-run: %s", what, cyc[0], name,
                       who, gr_rerun());
    }
    if (k > 1) {
        char cycle[600];
        describe_cycle(cyc, k, cycle, sizeof cycle);
        cr_assert_fail("%s: deadlock, %d threads in a cycle: %s (%s). Take "
                       "every lock in one global order, lowest account "
                       "first, in transfer() and bank_total() alike. "
                       "Re-run: %s", what, k, cycle, who, gr_rerun());
    }
    gr_assert_clean(r, what);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- one thread: what moves, what is refused --------------------------- */

struct basics {
    int rc[5];
    long bal[5][4], total;
};

static void run_basics(void *arg, void *out)
{
    (void)arg;
    struct basics *b = out;
    static const int moves[5][3] = { { 0, 2, 30 }, { 3, 1, 11 }, { 1, 1, 20 },
                                     { 1, 1, 60 }, { 2, 0, 30 } };
    struct account a[4];
    long start[4] = { 100, 50, 0, 10 };
    for (int i = 0; i < 4; i++) {
        pthread_mutex_init(&a[i].lock, NULL);
        a[i].balance = start[i];
    }
    wf_accounts(a, 4);
    wf_me = 0;
    for (int m = 0; m < 5; m++) {
        b->rc[m] = transfer(a, moves[m][0], moves[m][1], moves[m][2]);
        for (int i = 0; i < 4; i++)
            b->bal[m][i] = a[i].balance;
    }
    b->total = bank_total(a, 4);
}

Test(bank, moves_and_refuses)
{
    static const long want[5][4] = { { 70, 50, 30, 10 }, { 70, 50, 30, 10 },
                                     { 70, 50, 30, 10 }, { 70, 50, 30, 10 },
                                     { 100, 50, 0, 10 } };
    static const int want_rc[5] = { 0, -1, 0, -1, 0 };
    static const char *step[5] = { "transfer(0 -> 2, 30)", "transfer(3 -> 1, 11) "
                                   "with 10 in account 3", "transfer(1 -> 1, 20)",
                                   "transfer(1 -> 1, 60) with 50 in account 1",
                                   "transfer(2 -> 0, 30)" };
    struct basics b = { 0 };
    wf_reset();
    struct gr_run r = run_watched(run_basics, NULL, &b, sizeof b);
    assert_no_deadlock(r, "five transfers in one thread, balances 100, 50, 0, 10",
                       "thread 0 is the only one");
    for (int m = 0; m < 5; m++) {
        cr_assert_eq(b.rc[m], want_rc[m], "%s must return %d, it returned %d",
                     step[m], want_rc[m], b.rc[m]);
        for (int i = 0; i < 4; i++)
            cr_assert_eq(b.bal[m][i], want[m][i], "after %s account %d must "
                         "hold %ld, it holds %ld", step[m], i, want[m][i],
                         b.bal[m][i]);
    }
    cr_assert_eq(b.total, 160, "bank_total() of balances 100, 50, 0, 10 must "
                 "be 160, not %ld", b.total);
}

/* ---- many threads ------------------------------------------------------- */

enum { ACCOUNTS = 10, START = 1000 };

struct crowd {
    struct account *a;
    int id, n, from, to; /* from < 0: random transfers */
    unsigned seed;
    long audits, bad_audit;
};

static void *mover(void *arg)
{
    struct crowd *c = arg;
    wf_me = c->id;
    for (int i = 0; i < c->n; i++) {
        int from = c->from, to = c->to;
        if (from < 0) {
            from = rand_r(&c->seed) % ACCOUNTS;
            to = rand_r(&c->seed) % ACCOUNTS;
        }
        transfer(c->a, from, to, 1 + rand_r(&c->seed) % 300);
    }
    return NULL;
}

static void *auditor(void *arg)
{
    struct crowd *c = arg;
    wf_me = c->id;
    for (int i = 0; i < c->n; i++) {
        long sum = bank_total(c->a, ACCOUNTS);
        c->audits++;
        if (sum != (long)ACCOUNTS * START && !c->bad_audit)
            c->bad_audit = sum;
    }
    return NULL;
}

struct outcome {
    long total, lowest, bad_audit, audits;
    int lowest_at;
};

struct plan {
    int movers, each, audits;
    int fixed; /* movers alternate 3 -> 7 and 7 -> 3 */
};

static void run_crowd(void *arg, void *out)
{
    const struct plan *p = arg;
    struct outcome *o = out;
    struct account a[ACCOUNTS];
    for (int i = 0; i < ACCOUNTS; i++) {
        pthread_mutex_init(&a[i].lock, NULL);
        a[i].balance = START;
    }
    wf_accounts(a, ACCOUNTS);
    struct crowd c[MAX_THREADS];
    pthread_t t[MAX_THREADS];
    int n = p->movers + (p->audits > 0);
    for (int i = 0; i < n; i++) {
        c[i] = (struct crowd){ .a = a, .id = i + 1, .n = p->each, .from = -1,
                               .seed = 17u * (unsigned)i + 1 };
        if (p->fixed)
            c[i].from = i % 2 ? 7 : 3, c[i].to = i % 2 ? 3 : 7;
        if (i == p->movers)
            c[i].n = p->audits;
        pthread_create(&t[i], NULL, i == p->movers ? auditor : mover, &c[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    o->lowest = START;
    for (int i = 0; i < ACCOUNTS; i++) {
        o->total += a[i].balance;
        if (a[i].balance < o->lowest)
            o->lowest = a[i].balance, o->lowest_at = i;
    }
    o->bad_audit = p->audits ? c[p->movers].bad_audit : 0;
    o->audits = p->audits ? c[p->movers].audits : 0;
}

static void assert_conserved(const struct outcome *o, const char *what)
{
    cr_assert_eq(o->total, (long)ACCOUNTS * START, "%s: the %d accounts "
                 "started with %ld in all and ended with %ld: money was "
                 "created or lost (a balance changed without both locks held?)",
                 what, ACCOUNTS, (long)ACCOUNTS * START, o->total);
    cr_assert(o->lowest >= 0, "%s: account %d ended at %ld: a transfer "
              "overdrew it (check the balance while holding its lock)",
              what, o->lowest_at, o->lowest);
}

Test(bank, opposite_transfers_do_not_deadlock)
{
    struct plan p = { .movers = 4, .each = 20000, .fixed = 1 };
    struct outcome o = { 0 };
    wf_reset();
    struct gr_run r = run_watched(run_crowd, &p, &o, sizeof o);
    const char *what = "4 threads, 20,000 transfers each, 3 -> 7 and 7 -> 3";
    assert_no_deadlock(r, what, "threads 1 and 3 move 3 -> 7, threads 2 and 4 "
                       "move 7 -> 3");
    assert_conserved(&o, what);
}

Test(bank, total_conserved_under_contention)
{
    struct plan p = { .movers = 6, .each = 20000, .audits = 2000 };
    struct outcome o = { 0 };
    wf_reset();
    struct gr_run r = run_watched(run_crowd, &p, &o, sizeof o);
    const char *what = "6 threads making 20,000 random transfers each among "
                       "10 accounts, thread 7 calling bank_total() 2,000 times";
    assert_no_deadlock(r, what, "threads 1-6 call transfer(), thread 7 calls "
                       "bank_total()");
    assert_conserved(&o, what);
    cr_assert_eq(o.bad_audit, 0, "%s: bank_total() returned %ld while "
                 "transfers ran, not %ld: it added up balances while a "
                 "transfer was half done (lock every account before reading "
                 "any)", what, o.bad_audit, (long)ACCOUNTS * START);
}

/* ---- transfers between other accounts do not wait ------------------------ */

struct disjoint {
    int blocked_done, free_done, free_rc;
};

struct one {
    struct account *a;
    int id, from, to;
    _Atomic int done;
    int rc;
};

static void *one_transfer(void *arg)
{
    struct one *o = arg;
    wf_me = o->id;
    o->rc = transfer(o->a, o->from, o->to, 1);
    atomic_store(&o->done, 1);
    return NULL;
}

static void run_disjoint(void *arg, void *out)
{
    (void)arg;
    struct disjoint *d = out;
    struct account a[4];
    for (int i = 0; i < 4; i++) {
        pthread_mutex_init(&a[i].lock, NULL);
        a[i].balance = 10;
    }
    wf_accounts(a, 4);
    wf_me = 0;
    pthread_mutex_lock(&a[2].lock); /* a slow transfer holds account 2 */
    struct one slow = { .a = a, .id = 1, .from = 2, .to = 3 },
               fast = { .a = a, .id = 2, .from = 0, .to = 1 };
    pthread_t ts, tf;
    pthread_create(&ts, NULL, one_transfer, &slow);
    for (int i = 0; i < 100 && !atomic_load(&wf->t[1].waits); i++)
        sleep_ms(10); /* until thread 1 is blocked on a lock */
    pthread_create(&tf, NULL, one_transfer, &fast);
    for (int i = 0; i < 100 && !atomic_load(&fast.done); i++)
        sleep_ms(10);
    d->free_done = atomic_load(&fast.done);
    d->blocked_done = atomic_load(&slow.done);
    pthread_mutex_unlock(&a[2].lock);
    pthread_join(ts, NULL);
    pthread_join(tf, NULL);
    d->free_rc = fast.rc;
}

Test(bank, disjoint_transfers_do_not_wait)
{
    struct disjoint d = { 0 };
    wf_reset();
    struct gr_run r = run_watched(run_disjoint, NULL, &d, sizeof d);
    assert_no_deadlock(r, "transfer(2 -> 3) waiting for account 2, then "
                       "transfer(0 -> 1)", "thread 0 holds account 2 on purpose");
    cr_assert_eq(d.blocked_done, 0, "transfer(2 -> 3) returned while another "
                 "thread held account 2's lock: it must lock both accounts");
    cr_assert(d.free_done && d.free_rc == 0, "transfer(0 -> 1) did not finish "
              "within 1 s while transfer(2 -> 3) waited for account 2: it "
              "waited for a lock it does not need (one lock for the whole "
              "bank?). Lock only the two accounts involved");
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 10);
}
