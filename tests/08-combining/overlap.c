/* Tests for exercise 8.1, the overlapping pipeline.
 *
 * The learner fetches items from the test's item server (itemserver.h),
 * which answers one request per connection at a time and counts the
 * connections and requests it sees.  The timing test measures, in the
 * same run and in the same sandbox, fetching alone and counting alone,
 * and holds the learner's pipeline to OVERLAP_FACTOR times the larger. */
#define _GNU_SOURCE
#include "grader.h"
#include "itemserver.h"
#include "overlap.h"

#include <time.h>

struct call {
    int port, n, conns, workers;
    char req[ITEMS_MAX][16];
};

struct outcome {
    int rc;
    long counts[ITEMS_MAX];
};

static void call_overlap(void *arg, void *out)
{
    struct call *c = arg;
    struct outcome *o = out;
    const char *reqs[ITEMS_MAX];
    for (int i = 0; i < c->n; i++)
        reqs[i] = c->req[i];
    o->rc = overlap_run(c->port, reqs, c->n, c->conns, c->workers, o->counts);
}

/* n items of `width` numbers at random places in [1e6, 6e6). */
static void make_items(int n, uint64_t width, uint64_t *lo, uint64_t *hi)
{
    static unsigned seed;
    if (!seed)
        seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    for (int i = 0; i < n; i++) {
        lo[i] = 1000000 + (uint64_t)(rand_r(&seed) % 5000000);
        hi[i] = lo[i] + width;
    }
}

static struct call make_call(int port, int n, int conns, int workers)
{
    struct call c = { port, n, conns, workers, { { 0 } } };
    for (int i = 0; i < n; i++)
        snprintf(c.req[i], sizeof c.req[i], "item %u", (unsigned)i); /* fits 16 bytes */
    return c;
}

static int test_workers(void)
{
    int c = usable_cores();
    return c < 1 ? 1 : c > 8 ? 8 : c;
}

/* Run the learner's pipeline on a fresh server; check the counts, the
 * requests and the connections; return the outcome. */
static struct outcome run_checked(int n, int conns, int workers, uint64_t width,
                                  double delay_ms, const char *what)
{
    uint64_t lo[ITEMS_MAX], hi[ITEMS_MAX];
    make_items(n, width, lo, hi);
    struct item_server s;
    cr_assert(item_server_start(&s, delay_ms, n, lo, hi) == 0,
              "the test could not start its item server");
    struct call c = make_call(s.port, n, conns, workers);
    struct outcome o = { .rc = -2 };
    struct gr_limits lim = { .timeout_s = 20 };
    struct gr_run r = gr_run_fn(call_overlap, &c, &o, sizeof o, &lim);
    int requests = atomic_load(&s.t->requests), peak = atomic_load(&s.t->peak);
    item_server_stop(&s);
    gr_assert_clean(r, what);
    cr_assert_eq(o.rc, 0, "%s returned %d; it should return 0 when every item was "
                 "fetched and counted", what, o.rc);
    for (int i = 0; i < n; i++) {
        long want = count_primes(lo[i], hi[i]);
        cr_assert_eq(o.counts[i], want, "%s: item %d is '%" PRIu64 " %" PRIu64 "', "
                     "which holds %ld primes, but counts[%d] is %ld", what, i, lo[i],
                     hi[i], want, i, o.counts[i]);
    }
    cr_assert_eq(requests, n, "%s: the server received %d requests for %d items; "
                 "fetch each item exactly once", what, requests, n);
    cr_assert(peak <= conns, "%s: the server saw %d connections open at once; at "
              "most conns = %d are allowed", what, peak, conns);
    return o;
}

Test(overlap, counts_are_right)
{
    run_checked(30, 4, 2, 3000, 5, "overlap_run(30 items, 4 connections, 2 workers)");
}

Test(overlap, more_connections_than_items)
{
    run_checked(3, 16, 2, 3000, 5, "overlap_run(3 items, 16 connections, 2 workers)");
    run_checked(1, 1, 1, 3000, 5, "overlap_run(1 item, 1 connection, 1 worker)");
    run_checked(0, 4, 2, 3000, 5, "overlap_run(0 items, 4 connections, 2 workers)");
}

Test(overlap, one_connection_many_workers)
{
    run_checked(12, 1, 4, 3000, 3, "overlap_run(12 items, 1 connection, 4 workers)");
}

/* A reply that is not two numbers: -1, and still nothing left behind. */
Test(overlap, bad_reply_is_an_error)
{
    uint64_t lo[ITEMS_MAX], hi[ITEMS_MAX];
    make_items(12, 3000, lo, hi);
    struct item_server s;
    cr_assert(item_server_start(&s, 5, 12, lo, hi) == 0,
              "the test could not start its item server");
    s.t->broken[7] = 1;
    struct call c = make_call(s.port, 12, 3, 2);
    struct outcome o = { .rc = -2 };
    struct gr_limits lim = { .timeout_s = 20 };
    const char *what = "overlap_run(12 items) where item 7's reply is 'oops'";
    struct gr_run r = gr_run_fn(call_overlap, &c, &o, sizeof o, &lim);
    item_server_stop(&s);
    gr_assert_clean(r, what);
    cr_assert_eq(o.rc, -1, "%s returned %d; a reply that is not 'lo hi' should make "
                 "it return -1", what, o.rc);
}

/* Nobody listens on the port: -1 at once, nothing left behind. */
Test(overlap, no_server_is_an_error)
{
    int port = 0, fd = tcp_listen_loopback(&port);
    close(fd); /* the port is now (very probably) free: connect() is refused */
    struct call c = make_call(port, 5, 2, 2);
    struct outcome o = { .rc = -2 };
    const char *what = "overlap_run() on a port where no server listens";
    struct gr_run r = gr_run_fn(call_overlap, &c, &o, sizeof o, NULL);
    gr_assert_clean(r, what);
    cr_assert_eq(o.rc, -1, "%s returned %d; it should return -1", what, o.rc);
}

/* ---- the overlap, timed ------------------------------------------------- */

struct refs {
    int port, n, conns, workers;
    uint64_t lo[ITEMS_MAX], hi[ITEMS_MAX];
};

static void ref_fetch(void *arg, void *out)
{
    struct refs *f = arg;
    uint64_t lo[ITEMS_MAX], hi[ITEMS_MAX];
    *(int *)out = fetch_only(f->port, f->n, f->conns, lo, hi);
}

static void ref_count(void *arg, void *out)
{
    struct refs *f = arg;
    count_only(f->lo, f->hi, f->n, f->workers, out);
}

static double timed(gr_fn fn, void *arg, void *out, size_t size, const char *what)
{
    struct gr_limits lim = { .timeout_s = 30, .no_leak_check = 1 };
    struct gr_run r = gr_run_fn(fn, arg, out, size, &lim);
    gr_assert_clean(r, what);
    return r.wall;
}

/* Whether this attempt's verdict is the same whatever its rounds left
 * measure: each median's range (lib/timing.h) puts the balance at 0.65
 * or more, and mine on one side of OVERLAP_FACTOR times the larger.  The
 * medians of the rounds so far then lie inside those ranges, so judged
 * on them the attempt ends the same (a round of 4 saved, mostly; off with
 * GRADER_EARLY=0). */
static int decided(const double *io, const double *cpu, const double *mine, int n, int total)
{
    double ilo, ihi, clo, chi, mlo, mhi;
    median_range(io, n, total, &ilo, &ihi);
    median_range(cpu, n, total, &clo, &chi);
    median_range(mine, n, total, &mlo, &mhi);
    double big_lo = ilo > clo ? ilo : clo, big_hi = ihi > chi ? ihi : chi;
    double small_lo = ilo < clo ? ilo : clo;
    if (small_lo < 0.65 * big_hi)
        return 0;
    return mhi <= OVERLAP_FACTOR * big_lo || mlo > OVERLAP_FACTOR * big_hi;
}

Test(timing, overlaps_io_and_cpu, .timeout = 120)
{
    enum { N = 48, CONNS = 6, ROUNDS = 4, ATTEMPTS = 3 };
    static struct refs f;
    f = (struct refs){ .n = N, .conns = CONNS, .workers = test_workers() };
    char what[128];
    snprintf(what, sizeof what, "overlap_run(%d items, %d connections, %d workers)", N,
             CONNS, f.workers);
    double io = 0, cpu = 0, mine = 0, bound = 0;
    int failures = 0, rounds = ROUNDS;
    for (int attempt = 0; attempt < ATTEMPTS && failures < 2; attempt++) {
        /* 10,000 numbers an item: counting alone then takes about 0.08 s
         * on the Intel VM, and a round about 0.3 s (0.57 s at 20,000;
         * docs/instructors.md has the fairness data). */
        make_items(N, 10000, f.lo, f.hi);
        long want[ITEMS_MAX], got[ITEMS_MAX];
        /* Set the server's delay so that counting alone takes about 0.8
         * times as long as fetching alone: their sum is then 1.8 times
         * their max, far from what an overlapped run needs, and the
         * counting still leaves the loop (and the server) some CPU. */
        double c0 = timed(ref_count, &f, want, sizeof want, "the counting reference");
        double delay_ms = c0 / 0.8 * 1e3 / ((N + CONNS - 1) / CONNS);
        delay_ms = delay_ms < 10 ? 10 : delay_ms > 150 ? 150 : delay_ms;
        struct item_server s;
        cr_assert(item_server_start(&s, delay_ms, N, f.lo, f.hi) == 0,
                  "the test could not start its item server");
        f.port = s.port;
        struct call c = make_call(s.port, N, CONNS, f.workers);
        double t_io[ROUNDS], t_cpu[ROUNDS], t_mine[ROUNDS];
        int done = ROUNDS;
        for (int r = 0; r < ROUNDS; r++) { /* interleaved */
            int ok = -2;
            t_io[r] = timed(ref_fetch, &f, &ok, sizeof ok, "the fetching reference");
            cr_assert_eq(ok, 0, "the fetching reference failed; the test is broken");
            t_cpu[r] = timed(ref_count, &f, got, sizeof got, "the counting reference");
            struct outcome o = { .rc = -2 };
            t_mine[r] = timed(call_overlap, &c, &o, sizeof o, what);
            if (o.rc != 0 || memcmp(o.counts, want, N * sizeof want[0]) != 0) {
                item_server_stop(&s);
                cr_assert_fail("%s %s during the timed runs", what, o.rc != 0
                               ? "returned an error" : "gave wrong counts");
            }
            if (r + 1 < ROUNDS && gr_early() && decided(t_io, t_cpu, t_mine, r + 1, ROUNDS)) {
                done = r + 1;
                break;
            }
        }
        item_server_stop(&s);
        io = median(t_io, done), cpu = median(t_cpu, done), mine = median(t_mine, done);
        rounds = done;
        bound = io > cpu ? io : cpu;
        double balance = (io < cpu ? io : cpu) / bound;
        cr_log_info("%s: %.3f s; fetching alone %.3f s, counting alone %.3f s "
                    "(server delay %.1f ms; medians of %d rounds)", what, mine, io, cpu,
                    delay_ms, done);
        if (balance < 0.65)
            continue; /* the machine changed speed under us: measure again.
                       * (Much below that, fetching then counting could pass.) */
        if (mine <= OVERLAP_FACTOR * bound)
            return;
        failures++; /* seen twice, it fails: a burst of load can hit one attempt */
    }
    if ((io < cpu ? io : cpu) / bound < 0.65)
        cr_skip_test("inconclusive: fetching alone took %.3f s and counting alone "
                     "%.3f s; the machine is too busy to tell overlap from sequence. "
                     "Re-run when it is idle: %s", io, cpu, gr_rerun());
    cr_assert_fail("%s took %.3f s (median of %d rounds, measured twice). In the same run, fetching the items "
                   "alone took %.3f s and counting them alone on %d threads %.3f s, so a "
                   "pipeline that overlaps the two should need at most %.1f x %.3f = "
                   "%.3f s.%s", what, mine, rounds, io, f.workers, cpu, OVERLAP_FACTOR,
                   bound, OVERLAP_FACTOR * bound, mine > 0.8 * (io + cpu)
                   ? " Yours took about their sum: the counting waited for the fetching "
                     "(or the other way round). Count each item as soon as it arrives, "
                     "while the next ones are on their way." : "");
}

/* ---- the loop and the counting threads share nothing unguarded ---------- */

Test(race, no_data_race)
{
    gr_assert_no_race("", 30);
}
