/* Tests for exercise 3.2.  Each test starts its own slow server on
 * 127.0.0.1 (a free port) and stops it.  The timed test measures one
 * request first, in the same run, and judges the batch against it: about
 * N x that / T, neither N x that (one at a time) nor much less (more
 * threads than asked for). */
#include "fetch_threads.h"
#include "grader.h"
#include "net.h"
#include "timing.h"

#include <string.h>
#include <unistd.h>

enum { MAX_N = 32 };

struct call {
    int port, n, nthreads;
};

struct answer {
    int failed;
    double wall, one_request;
    char replies[MAX_N][SLOW_MAX_LINE];
};

static char lines_buf[MAX_N][32];
static const char *lines[MAX_N];

static void make_lines(int n)
{
    for (int i = 0; i < n; i++) {
        snprintf(lines_buf[i], sizeof lines_buf[i], "request %d", i);
        lines[i] = lines_buf[i];
    }
}

static void run_fetch(void *arg, void *out)
{
    const struct call *c = arg;
    struct answer *a = out;
    char scratch[SLOW_MAX_LINE];
    double samples[3];
    for (int i = 0; i < 3; i++) { /* the reference: one request, here, now */
        double t0 = now_s();
        slow_request(c->port, "reference", scratch, sizeof scratch);
        samples[i] = now_s() - t0;
    }
    a->one_request = median(samples, 3);
    double t0 = now_s();
    a->failed = fetch_threads(c->port, lines, c->n, a->replies, c->nthreads);
    a->wall = now_s() - t0;
}

static struct answer *fetch(int port, int n, int nthreads, const char *what)
{
    static struct answer a;
    memset(&a, 0x55, sizeof a); /* not "" anywhere: unwritten replies show */
    make_lines(n);
    struct call c = { port, n, nthreads };
    struct gr_run r = gr_run_fn(run_fetch, &c, &a, sizeof a, NULL);
    gr_assert_clean(r, what);
    return &a;
}

static void check_replies(const struct answer *a, int n, const char *what)
{
    cr_assert_eq(a->failed, 0, "%s returned %d: no request should fail",
                 what, a->failed);
    for (int i = 0; i < n; i++)
        cr_assert(strncmp(a->replies[i], lines[i], SLOW_MAX_LINE) == 0,
                  "%s: replies[%d] should be \"%s\" (the server echoes the "
                  "line), but it is \"%.40s\"", what, i, lines[i],
                  a->replies[i][0] == 0x55 ? "(never written)" : a->replies[i]);
}

static void with_server(double delay_ms, int n, int nthreads, const char *what)
{
    struct slow_server s;
    cr_assert_eq(slow_server_start(&s, delay_ms), 0, "could not start the slow server");
    struct answer *a = fetch(s.port, n, nthreads, what);
    slow_server_stop(&s);
    check_replies(a, n, what);
}

Test(fetch_threads, replies_in_order)
{
    with_server(5, 20, 4, "fetch_threads(20 requests, 4 threads)");
}

Test(fetch_threads, more_threads_than_requests)
{
    with_server(5, 3, 16, "fetch_threads(3 requests, 16 threads)");
}

Test(fetch_threads, no_requests)
{
    with_server(5, 0, 4, "fetch_threads(0 requests, 4 threads)");
}

Test(fetch_threads, failures_are_counted)
{
    int port = 0, fd = tcp_listen_loopback(&port);
    close(fd); /* nothing listens there now: every connect is refused */
    struct answer *a = fetch(port, 5, 2, "fetch_threads() to a closed port");
    cr_assert_eq(a->failed, 5, "fetch_threads() to a port where nothing "
                 "listens must return 5 (all 5 requests failed), not %d",
                 a->failed);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(a->replies[i][0], '\0', "a failed request's reply must "
                     "be the empty string (replies[%d] is not)", i);
}

Test(race, no_data_race)
{
    gr_assert_no_race("", 10);
}

/* ---- N x delay / T ----------------------------------------------------- */

enum { N = 24, T = 4 };
#define DELAY_MS 40.0

Test(timing, about_n_delay_over_t)
{
    struct slow_server s;
    cr_assert_eq(slow_server_start(&s, DELAY_MS), 0, "could not start the slow server");
    struct answer *a = fetch(s.port, N, T,
                             "fetch_threads(24 requests, 4 threads)");
    slow_server_stop(&s);
    check_replies(a, N, "fetch_threads(24 requests, 4 threads)");
    double expect = (double)N / T * a->one_request;
    double ratio = a->wall / expect;
    cr_assert(ratio < 1.6, "%d requests of %.0f ms (%.1f ms measured here) "
              "with %d threads took %.0f ms: expected about N x delay / T = "
              "%.0f ms, because %d threads wait at the same time (one at a "
              "time takes N x delay = %.0f ms)", N, DELAY_MS,
              a->one_request * 1e3, T, a->wall * 1e3, expect * 1e3, T,
              N * a->one_request * 1e3);
    cr_assert(ratio > 0.7, "%d requests of %.0f ms with %d threads took only "
              "%.0f ms, less than N x delay / T = %.0f ms: more than %d "
              "requests were waiting at once. Use exactly nthreads threads",
              N, DELAY_MS, T, a->wall * 1e3, expect * 1e3, T);
}
