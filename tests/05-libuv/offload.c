/* Tests for exercise 5.2: PRIMES on the thread pool, PING at once.
 *
 * The timing test compares the learner's server with a reference that is
 * the same server computing on the loop thread, measured in the same run:
 * one client keeps a PRIMES request in flight while another sends PING
 * every 2 ms and times each reply.  The other tests check the answers and
 * the lifetimes: a client that leaves while its count runs, and a stop
 * that comes while counts run. */
#define _GNU_SOURCE
#include "offload.h"
#include "primes.h"
#include "uvtest.h"

#include <stdlib.h>

#define WHAT "offload_serve()"

/* ---- the reference: the same protocol, computed on the loop thread --- */

struct ref_client {
    uv_tcp_t tcp;
    size_t len;
    char line[OFFLOAD_MAX_LINE];
};

static void ref_closed(uv_handle_t *h)
{
    free(h->data);
}

static void ref_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, ref_closed);
}

static void ref_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static void ref_send(uv_stream_t *s, const char *text)
{
    size_t n = strlen(text);
    uv_write_t *w = malloc(sizeof *w + n + 1);
    char *p = (char *)(w + 1);
    memcpy(p, text, n);
    p[n] = '\n';
    uv_buf_t b = uv_buf_init(p, (unsigned)n + 1);
    if (uv_write(w, s, &b, 1, ref_written) != 0)
        free(w);
}

static void ref_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct ref_client *c = (struct ref_client *)h;
    *buf = uv_buf_init(c->line + c->len, (unsigned)(sizeof c->line - c->len));
}

static void ref_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    struct ref_client *c = (struct ref_client *)s;
    if (n < 0) {
        ref_close((uv_handle_t *)s, NULL);
        return;
    }
    c->len += (size_t)n;
    char *nl;
    while ((nl = memchr(c->line, '\n', c->len))) {
        *nl = '\0';
        unsigned long lo, hi;
        char out[32];
        if (strcmp(c->line, "PING") == 0) {
            ref_send(s, "PONG");
        } else if (sscanf(c->line, "PRIMES %lu %lu", &lo, &hi) == 2) {
            snprintf(out, sizeof out, "%ld", count_primes(lo, hi)); /* the loop waits */
            ref_send(s, out);
        } else {
            ref_send(s, "ERR unknown command");
        }
        c->len -= (size_t)(nl + 1 - c->line);
        memmove(c->line, nl + 1, c->len);
    }
    if (c->len == sizeof c->line)
        ref_close((uv_handle_t *)s, NULL);
}

static void ref_connection(uv_stream_t *l, int status)
{
    struct ref_client *c = calloc(1, sizeof *c);
    if (status < 0 || !c) {
        free(c);
        return;
    }
    uv_tcp_init(l->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, ref_alloc, ref_read) != 0)
        ref_close((uv_handle_t *)&c->tcp, NULL);
}

static void ref_stop(uv_poll_t *p, int status, int events)
{
    (void)status, (void)events;
    uv_walk(p->loop, ref_close, NULL);
}

static int blocking_serve(int listen_fd, int stop_fd)
{
    signal(SIGPIPE, SIG_IGN);
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_poll_t stop;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &listener);
    uv_poll_init(&loop, &stop, stop_fd);
    listener.data = stop.data = NULL;
    uv_tcp_open(&listener, listen_fd);
    uv_listen((uv_stream_t *)&listener, SOMAXCONN, ref_connection);
    uv_poll_start(&stop, UV_READABLE, ref_stop);
    uv_run(&loop, UV_RUN_DEFAULT);
    return uv_loop_close(&loop);
}

/* ---- answers ------------------------------------------------------------ */

Test(offload, answers_and_errors)
{
    struct served s;
    server_start(&s, offload_serve, WHAT, 15);
    int fd = cl_connect(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server");
    srv_ask(&s, fd, "PONG", "PING\n");
    srv_ask(&s, fd, "25", "PRIMES 0 100\n");
    srv_ask(&s, fd, "0", "PRIMES 10 10\n");
    srv_ask(&s, fd, "5", "PRIMES 100 120\n");
    srv_ask(&s, fd, "78498", "PRIMES 0 1000000\n");
    srv_ask(&s, fd, "ERR unknown command", "HELLO\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 5\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES one two\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 10 5\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 0 100000001\n");
    srv_ask(&s, fd, "PONG", "PING\n");
    close(fd);
    server_stop_clean(&s);
}

/* Six clients ask at once (more than the pool's four threads): every
 * reply must reach its own client. */
Test(offload, many_counts_at_once)
{
    struct served s;
    server_start(&s, offload_serve, WHAT, 20);
    int fd[6];
    for (int i = 0; i < 6; i++) {
        fd[i] = cl_connect(s.port);
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
                   "six clients asked for six counts at once; client %d should get "
                   "'%s', got '%s'", i + 1, want, shown(got));
        close(fd[i]);
    }
    server_stop_clean(&s);
}

/* Clients leave while their counts run.  When a count finishes, its
 * client is gone: no write to a closed handle, no use of freed memory. */
Test(offload, disconnect_during_work)
{
    struct served s;
    server_start(&s, offload_serve, WHAT, 20);
    int witness = cl_connect(s.port);
    srv_expect(&s, witness >= 0, "could not connect to the server");
    for (int i = 0; i < 3; i++) {
        int fd = cl_connect(s.port);
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

/* A stop while counts run (and more wait for a pool thread): the server
 * must let them finish or cancel them, then return with nothing left. */
Test(offload, stop_during_work)
{
    struct served s;
    server_start(&s, offload_serve, WHAT, 20);
    int fd[7];
    for (int i = 0; i < 7; i++) {
        fd[i] = cl_connect(s.port);
        srv_expect(&s, fd[i] >= 0, "could not connect to the server");
        srv_ask(&s, fd[i], "PONG", "PING\n");
        cl_send(fd[i], "PRIMES 0 1500000\n");
    }
    struct timespec ts = { 0, 20000000 }; /* the server has them all */
    nanosleep(&ts, NULL);
    struct gr_run r = server_stop(&s);
    for (int i = 0; i < 7; i++)
        close(fd[i]);
    gr_assert_clean(r, "offload_serve(), stopped while 7 counts were queued or running");
    cr_assert_eq(s.rc, 0, "offload_serve() returned %d after a clean stop; it "
                 "should return 0", s.rc);
}

/* ---- the loop stays responsive ------------------------------------------ */

struct latency {
    double p50, p90;
    int pings, wrong;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One client keeps a PRIMES request in flight, `heavies` times in a
 * row; another sends PING every 2 ms meanwhile.  Latencies in ms. */
static struct latency ping_while_counting(int port, int heavies, double *all, int *nall)
{
    struct latency L = { 0 };
    int heavy = cl_connect(port), pinger = cl_connect(port);
    char line[64];
    if (heavy < 0 || pinger < 0 || cl_ask(pinger, "PING\n", line, sizeof line) < 0 ||
        cl_ask(heavy, "PING\n", line, sizeof line) < 0) {
        L.wrong = -1;
        goto out;
    }
    const char *req = "PRIMES 1000000 1900000\n";
    long want = count_primes(1000000, 1900000);
    double lat[2048], sent = 0, next_ping = now_s();
    int n = 0, done = 0, waiting = 0;
    cl_send(heavy, req);
    while (done < heavies || waiting) {
        double now = now_s();
        if (!waiting && done < heavies && now >= next_ping && n < 2048) {
            cl_send(pinger, "PING\n");
            sent = now;
            waiting = 1;
        }
        struct pollfd p[2] = { { heavy, POLLIN, 0 }, { pinger, POLLIN, 0 } };
        int ms = waiting ? 5000 : next_ping > now ? 1 + (int)((next_ping - now) * 1000) : 0;
        int ready = poll(p, 2, ms);
        if (ready == 0 && waiting) {
            L.wrong = -1; /* five seconds of silence */
            break;
        }
        if (p[1].revents) {
            if (cl_line(pinger, line, sizeof line, 5) < 0 || strcmp(line, "PONG") != 0) {
                L.wrong = -1;
                break;
            }
            lat[n++] = (now_s() - sent) * 1000;
            waiting = 0;
            next_ping = now_s() + 0.002;
        }
        if (p[0].revents) {
            if (cl_line(heavy, line, sizeof line, 5) < 0) {
                L.wrong = -1;
                break;
            }
            L.wrong += atol(line) != want;
            if (++done < heavies)
                cl_send(heavy, req);
        }
    }
    for (int i = 0; i < n; i++)
        all[(*nall)++] = lat[i];
out:
    if (heavy >= 0)
        close(heavy);
    if (pinger >= 0)
        close(pinger);
    return L;
}

static struct latency summary(double *v, int n)
{
    struct latency L = { .pings = n };
    if (n) {
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        L.p50 = v[n / 2];
        L.p90 = v[(n * 9) / 10];
    }
    return L;
}

Test(timing, pings_stay_fast, .timeout = 60)
{
    struct served mine, ref;
    server_start(&mine, offload_serve, WHAT, 30);
    server_start(&ref, blocking_serve, "the reference server", 30);
    static double lm[8192], lr[8192];
    int nm = 0, nr = 0;
    for (int round = 0; round < 2; round++) { /* interleaved */
        struct latency r = ping_while_counting(ref.port, 3, lr, &nr);
        cr_assert(r.wrong == 0, "the reference server failed; the test is broken");
        struct latency m = ping_while_counting(mine.port, 3, lm, &nm);
        srv_expect(&mine, m.wrong == 0,
                   "while one client asked PRIMES 1000000 1900000 three times and "
                   "another sent PING, %s", m.wrong < 0
                   ? "a reply never came (5 s)" : "a PRIMES reply was wrong");
    }
    server_stop(&ref);
    server_stop_clean(&mine);
    struct latency R = summary(lr, nr), M = summary(lm, nm);
    cr_log_info("PING latency while counting: reference (on the loop) median "
                "%.2f ms; yours median %.2f ms, 90th percentile %.2f ms", R.p50,
                M.p50, M.p90);
    if (R.p50 < 10)
        cr_skip_test("inconclusive: even the reference, which counts on the loop "
                     "thread, answered PING in %.1f ms (median); the machine is "
                     "too fast or too odd to tell", R.p50);
    cr_assert(M.p90 * 4 < R.p50,
              "while a PRIMES count ran, 90%% of PINGs should be answered in less "
              "than a quarter of the time a server computing on the loop thread "
              "takes (median %.1f ms, measured just now), so under %.1f ms; "
              "yours took %.1f ms (median %.1f ms over %d pings): is the count "
              "running on the loop thread?  Use uv_queue_work().",
              R.p50, R.p50 / 4, M.p90, M.p50, M.pings);
}

/* ---- the pool threads and the loop thread share nothing unguarded ------ */

Test(race, no_data_race)
{
    gr_assert_no_race("", 30);
}
