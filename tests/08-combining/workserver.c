/* Tests for exercise 8.2, the loop with a worker pool.
 *
 * The learner's server runs in the sandbox (gr_start) on a listening
 * socket the test made and is stopped through a socket pair.  The timing
 * test measures PING latency while counts run, against a reference that
 * is the same server computing on its loop thread, in the same run.  The
 * speedup test runs the server inside the sandboxed call itself, sends it
 * a batch of counts at once, and hands the timing to the calibrated judge
 * (gr_judge_speedup) against the counts done one after the other. */
#define _GNU_SOURCE
#include "clients.h"
#include "evloop.h"
#include "grader.h"
#include "server.h"
#include "workserver.h"

#include <pthread.h>

#define WHAT "work_serve()"

/* ---- the server in the sandbox (grader/server.h) ------------------------ */

typedef int (*serve_fn)(int listen_fd, int stop_fd, int workers);

struct serve_arg {
    struct srv_fds fds;
    serve_fn fn;
    int workers;
};

static void serve_in_sandbox(void *arg, void *out)
{
    struct serve_arg *a = arg;
    close(a->fds.stop_w);
    signal(SIGPIPE, SIG_DFL); /* as in a fresh program: ignoring it is the server's job */
    *(int *)out = a->fn(a->fds.listen_fd, a->fds.stop_r, a->workers);
}

static void server_start(struct served *s, serve_fn fn, int workers, const char *what,
                         double timeout_s)
{
    struct serve_arg a = { .fn = fn, .workers = workers };
    srv_start(s, serve_in_sandbox, &a, what, timeout_s);
}

static void server_start_small(struct served *s, serve_fn fn, int workers,
                               const char *what, double timeout_s)
{
    struct serve_arg a = { .fn = fn, .workers = workers };
    srv_start_small(s, serve_in_sandbox, &a, what, timeout_s);
}

/* ---- the reference: the same language, computed on the loop thread ---- */

struct ref_conn {
    int fd;
    size_t len;
    char in[WORK_MAX_LINE];
};

static void ref_on_conn(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)events;
    struct ref_conn *c = data;
    ssize_t n = read(fd, c->in + c->len, sizeof c->in - c->len);
    if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
        el_unwatch(loop, fd);
        close(fd);
        free(c);
        return;
    }
    c->len += n > 0 ? (size_t)n : 0;
    char *nl;
    while ((nl = memchr(c->in, '\n', c->len))) {
        *nl = '\0';
        struct work_req r = work_parse(c->in);
        char reply[40];
        work_answer(&r, reply, sizeof reply - 1); /* the loop waits for it */
        strcat(reply, "\n");
        (void)!send(fd, reply, strlen(reply), MSG_NOSIGNAL);
        c->len -= (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->len);
    }
}

static void ref_on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events, (void)data;
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
        el_watch(loop, fd, EL_READ, ref_on_conn, calloc(1, sizeof(struct ref_conn)));
}

static void ref_on_stop(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)fd, (void)events, (void)data;
    el_stop(loop);
}

static int loop_serve(int listen_fd, int stop_fd, int workers)
{
    (void)workers;
    struct el_loop *loop = el_loop_new();
    set_nonblocking(listen_fd);
    el_watch(loop, listen_fd, EL_READ, ref_on_accept, NULL);
    el_watch(loop, stop_fd, EL_READ, ref_on_stop, NULL);
    el_run(loop);
    el_loop_free(loop); /* the sandbox is not checked for the reference */
    return 0;
}

/* ---- answers ------------------------------------------------------------- */

Test(workserver, answers_and_errors)
{
    struct served s;
    server_start(&s, work_serve, 2, WHAT, 15);
    int fd = tcp_connect_loopback(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server");
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)s.proc.pid);
    srv_ask(&s, fd, "PONG", "PING\n");
    srv_ask(&s, fd, "25", "PRIMES 0 100\n");
    srv_ask(&s, fd, "0", "PRIMES 10 10\n");
    srv_ask(&s, fd, pid, "PID\n");
    srv_ask(&s, fd, "78498", "PRIMES 0 1000000\n");
    srv_ask(&s, fd, "ERR unknown command", "HELLO\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 5\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 10 5\n");
    srv_ask(&s, fd, "PONG", "PING\n");
    close(fd);
    server_stop_clean(&s);
}

/* A request longer than WORK_MAX_LINE bytes: that connection is closed,
 * and the other clients are still served. */
Test(workserver, an_overlong_line_is_disconnected)
{
    struct served s;
    server_start(&s, work_serve, 2, WHAT, 15);
    int fd = tcp_connect_loopback(s.port), other = tcp_connect_loopback(s.port);
    srv_expect(&s, fd >= 0 && other >= 0, "could not connect to the server");
    char big[WORK_MAX_LINE + 100], got[64];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cl_send(fd, big);
    int r = cl_line(fd, got, sizeof got, 3);
    srv_expect(&s, r == -1, "after %zu bytes with no newline (WORK_MAX_LINE is %d), "
               "the server should close that connection within 3 s, but %s",
               sizeof big - 1, WORK_MAX_LINE,
               r == -2 ? "it stayed open" : "it answered instead");
    srv_ask(&s, other, "PONG", "PING\n");
    close(fd);
    close(other);
    server_stop_clean(&s);
}

/* Six clients, two workers: every count reaches its own client. */
Test(workserver, many_counts_at_once)
{
    struct served s;
    server_start(&s, work_serve, 2, WHAT, 20);
    int fd[6];
    for (int i = 0; i < 6; i++) {
        fd[i] = tcp_connect_loopback(s.port);
        srv_expect(&s, fd[i] >= 0, "could not connect to the server");
        char req[64];
        snprintf(req, sizeof req, "PRIMES %d %d\n", i * 100000, (i + 3) * 100000);
        cl_send(fd[i], req);
    }
    for (int i = 0; i < 6; i++) {
        char got[64], want[32];
        cl_line(fd[i], got, sizeof got, 10);
        snprintf(want, sizeof want, "%ld",
                 count_primes((uint64_t)i * 100000, (uint64_t)(i + 3) * 100000));
        srv_expect(&s, strcmp(got, want) == 0,
                   "six clients asked for six counts at once (2 workers); client %d "
                   "should get '%s', got '%s'", i + 1, want, shown(got));
        close(fd[i]);
    }
    server_stop_clean(&s);
}

/* Clients leave while their counts run: when a count comes back, its
 * client is gone, and nothing may touch it. */
Test(workserver, disconnect_during_work)
{
    struct served s;
    server_start(&s, work_serve, 2, WHAT, 20);
    int witness = tcp_connect_loopback(s.port);
    srv_expect(&s, witness >= 0, "could not connect to the server");
    for (int i = 0; i < 3; i++) {
        int fd = tcp_connect_loopback(s.port);
        srv_expect(&s, fd >= 0, "could not connect to the server");
        srv_ask(&s, fd, "PONG", "PING\n"); /* accepted and being read */
        cl_send(fd, "PRIMES 0 1000000\n");
        i == 1 ? cl_reset(fd) : (void)close(fd);
    }
    struct timespec ts = { 0, 400000000 }; /* the counts finish meanwhile */
    nanosleep(&ts, NULL);
    srv_ask(&s, witness, "PONG", "PING\n");
    srv_ask(&s, witness, "25", "PRIMES 0 100\n");
    close(witness);
    server_stop_clean(&s);
}

/* A stop while counts run and more wait for a worker. */
Test(workserver, stop_during_work)
{
    struct served s;
    server_start(&s, work_serve, 2, WHAT, 20);
    int fd[6];
    for (int i = 0; i < 6; i++) {
        fd[i] = tcp_connect_loopback(s.port);
        srv_expect(&s, fd[i] >= 0, "could not connect to the server");
        srv_ask(&s, fd[i], "PONG", "PING\n");
        cl_send(fd[i], "PRIMES 0 1500000\n");
    }
    struct timespec ts = { 0, 20000000 }; /* the server has them all */
    nanosleep(&ts, NULL);
    struct gr_run r = server_stop(&s);
    for (int i = 0; i < 6; i++)
        close(fd[i]);
    gr_assert_clean(r, "work_serve(), stopped while 6 counts were queued or running");
    cr_assert_eq(s.rc, 0, "work_serve() returned %d after a clean stop; it should "
                 "return 0", s.rc);
}

/* ---- cheap requests stay fast -------------------------------------------- */

Test(timing, pings_stay_fast, .timeout = 60)
{
    struct served mine, ref;
    server_start(&mine, work_serve, 2, WHAT, 30);
    server_start(&ref, loop_serve, 1, "the reference server", 30);
    /* One client keeps a count in flight, three times in a row; another
     * sends PING every 2 ms meanwhile (grader/server.h). */
    struct cl_heavy h = { .request = "PRIMES 1000000 1400000\n",
                          .want = count_primes(1000000, 1400000), .times = 3,
                          .hello_s = 5.0 /* as cl_ask() */ };
    struct cl_latency M, R;
    srv_time_pings(&mine, &ref, &h, &M, &R);
    cr_assert(M.p90 * 4 < R.p50,
              "while a PRIMES count ran, 90%% of PINGs should be answered in less "
              "than a quarter of the time a server computing on its loop thread "
              "takes (median %.1f ms, measured just now), so under %.1f ms; yours "
              "took %.1f ms (median %.1f ms over %d pings): is the count running on "
              "the loop thread?  Hand PRIMES to the pool.",
              R.p50, R.p50 / 4, M.p90, M.p50, M.pings);
}

/* Not only large counts leave the loop: counts of 100 to 100,000 numbers
 * near the top of the allowed range, many clients at once, against the
 * same reference (grader/server.h names the size that froze PING). */
Test(timing, pings_stay_fast_beside_every_size, .timeout = 120)
{
    struct served mine, ref;
    server_start(&mine, work_serve, 2, WHAT, 60);
    server_start(&ref, loop_serve, 1, "the reference server", 60);
    srv_pings_beside_every_size(&mine, &ref, WORK_MAX_HI,
                                "The loop answers only PING and PID itself.");
}

/* One client sends a line the server does not know, over and over, and
 * reads none of the errors; another client's PING must still be answered
 * meanwhile (grader/server.h).  That client breaks the rule of one request
 * at a time: the server may drop its replies or close it, not freeze. */
Test(timing, a_client_that_stops_reading_freezes_nothing, .timeout = 60)
{
    struct served s;
    server_start_small(&s, work_serve, 2, WHAT, 30);
    struct cl_hog h = { .request = "?\n", .reply_bytes = sizeof "ERR unknown command",
                        .probe = "PING\n", .answer = "PONG", .hello_s = 5.0 };
    struct served ref;
    server_start(&ref, loop_serve, 1, "the reference server", 30);
    struct cl_heavy heavy = { .request = "PRIMES 1000000 1400000\n", /* as pings_stay_fast */
                              .want = count_primes(1000000, 1400000), .times = 3,
                              .hello_s = 5.0 };
    srv_never_frozen_vs(&s, &ref, &heavy, &h, EL_NEVER_BLOCK_HINT);
}

/* ---- heavy requests scale with cores -------------------------------------- */

struct in_call {
    int workers;
};

struct server_thread {
    int lfd, stop_r, workers, rc;
};

static void *run_server(void *arg)
{
    struct server_thread *t = arg;
    t->rc = work_serve(t->lfd, t->stop_r, t->workers);
    return NULL;
}

/* In the sandbox: the learner's server on a thread, a batch of counts
 * sent at once from this one, then a stop.  The judge times the call. */
static void heavy_batch(void *arg, void *out)
{
    struct in_call *c = arg;
    int port = 0, sv[2];
    struct server_thread t = { .lfd = tcp_listen_loopback(&port), .workers = c->workers };
    long sum = -1;
    if (t.lfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        *(long *)out = -1;
        return;
    }
    t.stop_r = sv[0];
    pthread_t tid;
    if (pthread_create(&tid, NULL, run_server, &t) == 0) {
        sum = batch_ask(port);
        (void)!send(sv[1], "x", 1, MSG_NOSIGNAL);
        pthread_join(tid, NULL);
    }
    close(t.lfd);
    close(sv[0]);
    close(sv[1]);
    *(long *)out = t.rc == 0 ? sum : -1;
}

Test(speedup, heavy_throughput_scales, .timeout = 180)
{
    struct in_call c = { test_workers() };
    char what[160];
    snprintf(what, sizeof what, "work_serve(%d workers) answering %d PRIMES requests "
             "sent at once (seed %lu)", c.workers, BATCH_N, gr_seed());
    /* First one run in a plain sandbox: a crash, a hang, a leftover thread
     * or a wrong sum fails here with its own sentence. */
    long got = -2, want = 0;
    batch_sequential(NULL, &want);
    struct gr_limits lim = { .timeout_s = 20 };
    struct gr_run r = gr_run_fn(heavy_batch, &c, &got, sizeof got, &lim);
    gr_assert_clean(r, what);
    cr_assert_eq(got, want, "%s: the replies add up to %ld, not %ld", what, got, want);
    struct gr_speedup s = {
        .parallel = heavy_batch, .parallel_arg = &c,
        .sequential = batch_sequential, .sequential_arg = NULL,
        .out_size = sizeof(long), .workers = c.workers, .what = what,
    };
    gr_assert_speedup(&s);
}

/* ---- the loop and the workers share nothing unguarded --------------------- */

Test(race, no_data_race)
{
    gr_assert_no_race("", 30);
}
