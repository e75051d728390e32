/* Tests for exercise 4.3, n requests to the slow server from one thread.
 *
 * The slow server runs in a process of the test's own (started and
 * stopped by each test).  The learner's fetch_loop() runs in the sandbox;
 * while it runs, a sampling thread in the test counts the sockets and the
 * threads of the sandbox process through /proc (peek.h), so that the cap
 * on open connections and the one-thread rule are checked as they happen.
 * The timing tests judge the time against one request's delay measured in
 * the same run: n requests with a cap must take about ceil(n / cap) of
 * those delays. */
#include "fetch_loop.h"
#include "grader.h"
#include "peek.h"
#include "slow_server.h"
#include "timing.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define MAXN 1000
#define ROOM_S 0.25 /* past the bound, before a timed run is stopped */

struct job {
    int port, n, max_open;
};

struct result {
    int returned;
    double wall;
    char replies[MAXN][FETCH_REPLY_MAX];
};

static char line_text[MAXN][40];
static const char *lines[MAXN];

static void make_lines(int n)
{
    for (int i = 0; i < n; i++) {
        snprintf(line_text[i], sizeof line_text[i], "request %d of %d: %s", i, n,
                 i % 2 ? "odd" : "even");
        lines[i] = line_text[i];
    }
}

static void call(void *arg, void *out)
{
    struct job *j = arg;
    struct result *r = out;
    double t0 = now_s();
    r->returned = fetch_loop(j->port, lines, r->replies, j->n, j->max_open);
    r->wall = now_s() - t0;
}

/* ---- watching the sandbox while it runs ---------------------------------- */

struct watch {
    pid_t pid;
    int base_sockets;
    atomic_int stop;
    int max_sockets, max_threads, samples;
};

static void *watcher(void *arg)
{
    struct watch *w = arg;
    while (!atomic_load(&w->stop)) {
        int s = peek_sockets(w->pid), t = peek_threads(w->pid);
        if (s >= 0 && s - w->base_sockets > w->max_sockets)
            w->max_sockets = s - w->base_sockets;
        if (t > w->max_threads)
            w->max_threads = t;
        w->samples++;
        peek_sleep_ms(0.5);
    }
    return NULL;
}

/* One request to the slow server, timed: the reference's sample. */
struct sample_req {
    int port;
    double s;
};

static void *timed_request(void *arg)
{
    struct sample_req *q = arg;
    char reply[64];
    double t0 = now_s();
    slow_request(q->port, "reference", reply, sizeof reply);
    q->s = now_s() - t0;
    return NULL;
}

/* One request's delay here and now: the median of three requests made
 * at once.  The server answers each after its delay however many wait
 * (slow_server.h), so three at once measure what three in a row would,
 * in a third of the time (0.4 s less where the delay is 200 ms). */
static double one_request_s(int port)
{
    struct sample_req q[3];
    pthread_t t[3];
    double d[3];
    for (int k = 0; k < 3; k++) {
        q[k] = (struct sample_req){ port, 0 };
        cr_assert(pthread_create(&t[k], NULL, timed_request, &q[k]) == 0,
                  "the test could not start a thread");
    }
    for (int k = 0; k < 3; k++) {
        pthread_join(t[k], NULL);
        d[k] = q[k].s;
    }
    return median(d, 3);
}

/* Run fetch_loop(n, max_open) against a server with `delay_ms`, watching
 * it.  Checks that it returned cleanly and that every reply is right. */
static struct result *run(int n, int max_open, double delay_ms, double timeout_s,
                          struct watch *w, double *one_delay)
{
    static struct result res;
    struct slow_server s;
    cr_assert(slow_server_start(&s, delay_ms) == 0, "could not start the slow server");
    if (one_delay) /* the reference */
        *one_delay = one_request_s(s.port);
    make_lines(n);
    struct job j = { s.port, n, max_open };
    /* Timed: a run past 1.5x the rounds' time fails whatever it returns,
     * so it is stopped there (with room for the sandbox's start, a few
     * milliseconds) rather than at the timeout: a request-at-a-time loop
     * fails in a second instead of minutes. */
    int rounds = (n + max_open - 1) / max_open;
    double bound = one_delay ? 1.5 * rounds * *one_delay : 0;
    struct gr_limits lim = { .timeout_s = bound && bound + ROOM_S < timeout_s ? bound + ROOM_S
                                                                             : timeout_s };
    memset(w, 0, sizeof *w);
    w->base_sockets = peek_sockets(getpid()); /* inherited ones are not its own */
    struct gr_proc p;
    cr_assert(gr_start(&p, call, &j, sizeof res, &lim) == 0, "could not start the sandbox");
    w->pid = p.pid;
    pthread_t t;
    pthread_create(&t, NULL, watcher, w);
    struct gr_run r = gr_finish(&p, 0, &res);
    atomic_store(&w->stop, 1);
    pthread_join(t, NULL);
    slow_server_stop(&s);
    char what[96];
    snprintf(what, sizeof what, "fetch_loop(n = %d, max_open = %d)", n, max_open);
    if (bound && r.outcome == GR_TIMEOUT)
        cr_assert_fail("%s was still running after %.2f s; one request takes %.0f ms "
                       "here, so %d rounds of %d should take about %.2f s, and over "
                       "1.5x that fails: are requests sent one after another, or do "
                       "you wait for a whole batch before starting the next?  "
                       "Re-run: %s", what, lim.timeout_s, *one_delay * 1e3,
                       rounds, max_open, bound / 1.5, gr_rerun());
    gr_assert_clean(r, what);
    int right = 0, first_wrong = -1;
    char shown[64];
    for (int i = 0; i < n; i++) {
        if (strcmp(res.replies[i], lines[i]) == 0)
            right++;
        else if (first_wrong < 0)
            first_wrong = i;
    }
    if (first_wrong >= 0)
        cr_assert_fail("%s: %d of %d replies are wrong; replies[%d] is %s%s, "
                       "expected %s", what, n - right, n, first_wrong,
                       res.replies[first_wrong][0] ? "" : "empty",
                       peek_printable(res.replies[first_wrong],
                                      strnlen(res.replies[first_wrong], 60), shown,
                                      sizeof shown),
                       lines[first_wrong]);
    cr_assert_eq(res.returned, n, "%s: all %d replies are right, but it returned %d",
                 what, n, res.returned);
    return &res;
}

/* ---- correctness and the rules ------------------------------------------ */

Test(fetch_loop, every_reply_matches_its_request)
{
    struct watch w;
    run(30, 8, 20, 10, &w, NULL);
    run(5, 1, 10, 10, &w, NULL);
    run(3, 10, 10, 10, &w, NULL); /* a cap above n */
}

Test(fetch_loop, never_more_than_max_open_and_one_thread)
{
    struct watch w;
    run(40, 5, 60, 10, &w, NULL);
    cr_assert(w.samples > 10, "the test could not watch fetch_loop() run");
    cr_assert(w.max_threads <= 1, "fetch_loop() ran %d threads at once: one thread "
              "must do it all, waiting on many sockets with an event loop",
              w.max_threads);
    cr_assert(w.max_sockets <= 5, "with max_open = 5, fetch_loop() had %d sockets "
              "open at once: open a connection only while fewer than max_open "
              "are open", w.max_sockets);
    cr_assert(w.max_sockets >= 4, "with max_open = 5, fetch_loop() never had more "
              "than %d socket%s open at once: keep max_open requests in flight",
              w.max_sockets, w.max_sockets == 1 ? "" : "s");
}

static void no_requests(void *arg, void *out)
{
    (void)arg;
    *(int *)out = fetch_loop(1, lines, NULL, 0, 4);
}

Test(fetch_loop, no_requests_is_no_work)
{
    int rc = -1;
    struct gr_run r = gr_run_fn(no_requests, NULL, &rc, sizeof rc, NULL);
    gr_assert_clean(r, "fetch_loop(n = 0)");
    cr_assert_eq(rc, 0, "fetch_loop(n = 0) returned %d", rc);
}

/* A port nobody listens on: bound to find a free one, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        cr_assert_fail("the test could not find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

/* Every connection is refused: each request fails, none is counted, its
 * reply is empty, and no socket is left open. */
Test(fetch_loop, refused_requests_fail_cleanly)
{
    struct job j = { closed_port(), 6, 2 };
    make_lines(j.n);
    static struct result res;
    memset(&res, 'x', sizeof res);
    struct gr_run r = gr_run_fn(call, &j, &res, sizeof res, NULL);
    const char *what = "fetch_loop() of 6 requests to a port where nothing listens";
    gr_assert_clean(r, what);
    cr_assert_eq(res.returned, 0, "%s: returned %d, but every connection was "
                 "refused, so no reply was received (0)", what, res.returned);
    for (int i = 0; i < j.n; i++)
        cr_assert_eq(res.replies[i][0], '\0', "%s: replies[%d] should be the "
                     "empty string for a failed request, but starts with '%c'",
                     what, i, res.replies[i][0]);
}

/* ---- time: ceil(n / max_open) delays, not n -------------------------------- */

static void judge_time(int n, int max_open, double delay_ms, double timeout_s)
{
    struct watch w;
    double one;
    int rc = -1; /* a stub fails here, before the reference is timed */
    gr_assert_started(gr_run_fn(no_requests, NULL, &rc, sizeof rc, NULL), "fetch_loop(n = 0)");
    struct result *res = run(n, max_open, delay_ms, timeout_s, &w, &one);
    int rounds = (n + max_open - 1) / max_open;
    double want = rounds * one, ratio = res->wall / want;
    cr_assert(ratio <= 1.5, "fetch_loop(n = %d, max_open = %d) took %.2f s; one "
              "request takes %.0f ms here, so %d rounds of %d should take about "
              "%.2f s (%.1fx that; one request at a time would take %.1f s): are "
              "requests sent one after another, or do you wait for a whole batch "
              "before starting the next?", n, max_open, res->wall, one * 1e3,
              rounds, max_open, want, ratio, n * one);
    cr_assert(ratio >= 0.8, "fetch_loop(n = %d, max_open = %d) took only %.2f s, "
              "less than the %d rounds of %.0f ms that max_open allows: more than "
              "max_open requests were in flight", n, max_open, res->wall, rounds,
              one * 1e3);
}

Test(timing, n_requests_take_n_over_max_open_delays)
{
    judge_time(40, 10, 50, 8); /* 4 rounds: 0.2 s; one at a time: 2 s */
}

Test(timing, a_thousand_requests)
{
    /* 1,000 requests, 250 at a time: 250 sockets stay under the default
     * open-file limit of 1024, so the test does not need to raise it. */
    judge_time(1000, 250, 200, 5); /* 4 rounds: 0.8 s */
}
