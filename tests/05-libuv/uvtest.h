/* uvtest.h: what the chapter 5 tests share.
 *
 * A learner's server runs in the sandbox (gr_start) on a listening socket
 * the test made, and watches one end of a socket pair: the test sends a
 * byte to stop it, and gr_finish() then reports whatever the shutdown
 * left behind.  Clients are plain blocking sockets with timeouts, so a
 * server that stops answering fails a test instead of hanging it. */
#ifndef UVTEST_H
#define UVTEST_H

#include "grader.h"
#include "io.h"
#include "net.h"
#include "timing.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

typedef int (*serve_fn)(int listen_fd, int stop_fd);

struct serve_arg {
    serve_fn fn;
    int listen_fd, stop_r, stop_w;
};

struct served {
    struct gr_proc proc;
    const char *what; /* "kv_serve()", for messages */
    int port, stop_w, stopped;
    int rc;           /* what the serve function returned */
    struct gr_run run;
};

/* Runs in the sandbox child. */
static inline void serve_in_sandbox(void *arg, void *out)
{
    struct serve_arg *a = arg;
    close(a->stop_w); /* only the test holds the other end */
    signal(SIGPIPE, SIG_DFL); /* as in a fresh program: ignoring it is the server's job */
    *(int *)out = a->fn(a->listen_fd, a->stop_r);
    /* libuv's own global state (the thread pool's threads, the pipe its
     * signal handling uses) is not the learner's to free: release it so
     * that the sandbox sees only what the learner left. */
    uv_library_shutdown();
}

static inline void server_start(struct served *s, serve_fn fn, const char *what,
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
    struct serve_arg a = { fn, lfd, p[0], p[1] };
    struct gr_limits lim = { .timeout_s = timeout_s };
    cr_assert_eq(gr_start(&s->proc, serve_in_sandbox, &a, sizeof(int), &lim), 0,
                 "the grader could not start a sandbox");
    close(lfd); /* the server's now: connections queue until it accepts */
    close(p[0]);
    s->stop_w = p[1];
}

/* Ask the server to stop, and wait for it to return. */
static inline struct gr_run server_stop(struct served *s)
{
    if (!s->stopped) {
        (void)!send(s->stop_w, "x", 1, MSG_NOSIGNAL);
        close(s->stop_w);
        s->run = gr_finish(&s->proc, 0, &s->rc);
        s->stopped = 1;
    }
    return s->run;
}

/* Stop the server and check that it shut down cleanly. */
static inline void server_stop_clean(struct served *s)
{
    struct gr_run r = server_stop(s);
    char what[160];
    snprintf(what, sizeof what, "%s, stopped through stop_fd", s->what);
    gr_assert_clean(r, what);
    cr_assert_eq(s->rc, 0, "%s returned %d after a clean stop; it should return 0",
                 s->what, s->rc);
}

/* A failed expectation: a server that crashed, hung or is not written
 * yet explains everything, so report that first. */
#define srv_expect(s, cond, ...)                                            \
    do {                                                                    \
        if (!(cond)) {                                                      \
            struct gr_run r_ = server_stop(s);                              \
            gr_assert_returned(r_, (s)->what);                              \
            cr_assert_fail(__VA_ARGS__);                                    \
        }                                                                   \
    } while (0)

/* Criterion copies failure messages into its JSON report without
 * escaping them, so a double quote, a backslash or a control character
 * in a message would break the report.  Messages therefore quote with
 * '...', and anything the learner's code produced goes through shown(),
 * which writes a newline as " | " and other troublemakers as '?'. */
static inline const char *shown(const char *s)
{
    static char ring[4][600];
    static int next;
    char *out = ring[next++ % 4];
    size_t n = 0;
    for (; *s && n + 4 < sizeof ring[0]; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') {
            memcpy(out + n, " | ", 3);
            n += 3;
        } else {
            out[n++] = c == '"' || c == '\\' || c < 32 || c == 127 ? '?' : (char)c;
        }
    }
    out[n] = '\0';
    return out;
}

/* ---- a blocking line client ------------------------------------------- */

static inline int cl_connect(int port)
{
    return tcp_connect_loopback(port);
}

static inline int cl_send(int fd, const char *text)
{
    size_t n = strlen(text), done = 0;
    while (done < n) {
        ssize_t w = send(fd, text + done, n - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* One reply line, '\n' stripped.  Returns its length; -1 on end of file
 * (or reset) and -2 when nothing came within timeout_s. */
static inline int cl_line(int fd, char *buf, size_t n, double timeout_s)
{
    size_t got = 0;
    double until = now_s() + timeout_s;
    for (;;) {
        int ms = (int)((until - now_s()) * 1000);
        struct pollfd p = { fd, POLLIN, 0 };
        if (ms < 0 || poll(&p, 1, ms) == 0) {
            buf[got] = '\0';
            return -2;
        }
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            buf[got] = '\0';
            return -1;
        }
        if (ch == '\n')
            break;
        if (got + 1 < n)
            buf[got++] = ch;
    }
    buf[got] = '\0';
    return (int)got;
}

/* Send a request and read one reply line (3 s at most). */
static inline int cl_ask(int fd, const char *request, char *reply, size_t n)
{
    if (cl_send(fd, request) != 0) {
        snprintf(reply, n, "(the connection was closed)");
        return -1;
    }
    int r = cl_line(fd, reply, n, 3.0);
    if (r == -1)
        snprintf(reply, n, "(end of file: the server closed the connection)");
    else if (r == -2)
        snprintf(reply, n, "(no reply within 3 s)");
    return r;
}

/* Close with a reset (RST) instead of a polite FIN. */
static inline void cl_reset(int fd)
{
    struct linger l = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* A request "printf-style" and the reply it must get. */
#define srv_ask(s, fd, want, ...)                                           \
    do {                                                                    \
        char q_[1200], a_[1200];                                            \
        snprintf(q_, sizeof q_, __VA_ARGS__);                               \
        cl_ask((fd), q_, a_, sizeof a_);                                    \
        q_[strcspn(q_, "\n")] = '\0';                                       \
        srv_expect((s), strcmp(a_, (want)) == 0,                            \
                   "the request '%.60s%s' should get the reply '%s', got "  \
                   "'%.100s'", shown(q_), strlen(q_) > 60 ? "..." : "",      \
                   shown(want), shown(a_));                                 \
    } while (0)

#endif
