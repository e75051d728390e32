/* server.c: a learner's server in the sandbox, stopped through a socket
 * pair (see server.h). */
#define _GNU_SOURCE
#include "server.h"

#include "net.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void srv_start(struct served *s, gr_fn in_sandbox, void *arg, const char *what,
               double timeout_s)
{
    memset(s, 0, sizeof *s);
    s->what = what;
    int p[2];
    int lfd = tcp_listen_loopback(&s->port);
    /* A socket pair, not a pipe: the test writes with MSG_NOSIGNAL, so a
     * server that is already gone cannot kill the test with SIGPIPE. */
    cr_assert(lfd >= 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) == 0,
              "the test could not make a listening socket and a socket pair");
    *(struct srv_fds *)arg = (struct srv_fds){ lfd, p[0], p[1] };
    struct gr_limits lim = { .timeout_s = timeout_s };
    cr_assert_eq(gr_start(&s->proc, in_sandbox, arg, sizeof(int), &lim), 0,
                 "the grader could not start a sandbox");
    close(lfd); /* the server's now: connections queue until it accepts */
    close(p[0]);
    s->stop_w = p[1];
}

struct gr_run server_stop(struct served *s)
{
    if (!s->stopped) {
        (void)!send(s->stop_w, "x", 1, MSG_NOSIGNAL);
        close(s->stop_w);
        s->run = gr_finish(&s->proc, 0, &s->rc);
        s->stopped = 1;
    }
    return s->run;
}

void server_stop_clean(struct served *s)
{
    struct gr_run r = server_stop(s);
    char what[160];
    snprintf(what, sizeof what, "%s, stopped through stop_fd", s->what);
    gr_assert_clean(r, what);
    cr_assert_eq(s->rc, 0, "%s returned %d after a clean stop; it should return 0",
                 s->what, s->rc);
}

static const char *times_in_words(int n)
{
    static const char *const words[] = { "no times", "once", "twice", "three times",
                                         "four times" };
    return n >= 0 && n < 5 ? words[n] : "many times";
}

void srv_time_pings(struct served *mine, struct served *ref, const struct cl_heavy *h,
                    struct cl_latency *M, struct cl_latency *R)
{
    static double lm[8192], lr[8192]; /* room for 2 rounds of 2048 */
    int nm = 0, nr = 0;
    for (int round = 0; round < 2; round++) { /* interleaved */
        struct cl_latency r = cl_ping_while_busy(ref->port, h, lr, &nr);
        cr_assert(r.wrong == 0, "the reference server failed; the test is broken");
        struct cl_latency m = cl_ping_while_busy(mine->port, h, lm, &nm);
        srv_expect(mine, m.wrong == 0,
                   "while one client asked %.*s %s and another sent PING, %s",
                   (int)strcspn(h->request, "\n"), h->request, times_in_words(h->times),
                   m.wrong < 0 ? "a reply never came (5 s)" : "a PRIMES reply was wrong");
    }
    server_stop(ref);
    server_stop_clean(mine);
    *R = cl_latency_of(lr, nr);
    *M = cl_latency_of(lm, nm);
    cr_log_info("PING latency while counting: reference (on the loop) median %.2f ms; "
                "yours median %.2f ms, 90th percentile %.2f ms", R->p50, M->p50, M->p90);
    if (R->p50 < 10)
        cr_skip_test("inconclusive: even the reference, which counts on the loop "
                     "thread, answered PING in %.1f ms (median); the machine is too "
                     "fast or too odd to tell", R->p50);
}
