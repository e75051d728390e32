/* client.h: the test's side of a line protocol (chapters 5 and 7).
 *
 * A test talks to the learner's server through plain blocking sockets
 * with timeouts, so a server that stops answering fails one test instead
 * of hanging it.  Each request is one line and so is each reply.
 *
 * The line client is static inline because the TSan drivers
 * (tests/NN-slug/NAME.tsan.c) use it too, and their library,
 * build/tsan/lib.a, holds only what lib/ compiles to; they include this
 * file by its path from the test folder, as they are built without
 * -Igrader.  The latency probe at the end is for Criterion tests only
 * (client.c). */
#ifndef GRADER_CLIENT_H
#define GRADER_CLIENT_H

#include "net.h"
#include "timing.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Criterion copies failure messages into its JSON report without
 * escaping them, so a double quote, a backslash or a control character
 * in a message would break the report.  Messages therefore quote with
 * '...', and anything the learner's code produced goes through shown(),
 * which writes a newline as " | " and other troublemakers as '?'.  (Four
 * buffers in turn: one message may show up to four texts.) */
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

static inline int cl_connect(int port)
{
    return tcp_connect_loopback(port);
}

/* All of text, or -1.  MSG_NOSIGNAL: a server that is gone must fail the
 * test with a message, not kill it with SIGPIPE. */
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

/* The server under test, when the test names it (cl_watch): a client's
 * wait for a reply then ends as soon as that process has exited, instead
 * of running out its time; an unstarted stub dies at once, and its
 * tests should say so at once.  Weak: every file that includes this
 * header shares the one variable, with or without client.c linked in
 * (the ThreadSanitizer drivers have no client.c). */
__attribute__((weak)) pid_t cl_server;

static inline void cl_watch(pid_t server)
{
    cl_server = server;
}

/* Is our child pid still running (not exited, not yet reaped)?  WNOWAIT
 * leaves it to be reaped by the sandbox as usual. */
static inline int cl_alive(pid_t pid)
{
    siginfo_t info = { 0 };
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return 0;
    return info.si_pid == 0;
}

/* Has the watched server exited? */
static inline int cl_server_gone(void)
{
    return cl_server > 0 && !cl_alive(cl_server);
}

/* One reply line, '\n' stripped.  Returns its length; -1 on end of file
 * (or reset) and -2 when nothing came within timeout_s.  A byte at a
 * time, so that nothing after the line is taken from the next reply. */
static inline int cl_line(int fd, char *buf, size_t n, double timeout_s)
{
    size_t got = 0;
    double until = now_s() + timeout_s;
    for (;;) {
        int ms = (int)((until - now_s()) * 1000), ready = 0;
        struct pollfd p = { fd, POLLIN, 0 };
        if (ms >= 0) /* in slices, to notice a server that has died */
            ready = poll(&p, 1, ms < 50 ? ms : 50);
        if (ready == 0 && ms >= 50 && !cl_server_gone())
            continue;
        if (ready == 0) {
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

/* Send a request, read one reply line (timeout_s at most); on failure
 * the reply says what happened, in words, ready for a message. */
static inline int cl_ask_within(int fd, const char *request, char *reply, size_t n,
                                double timeout_s)
{
    if (cl_send(fd, request) != 0) {
        snprintf(reply, n, "(the connection was closed)");
        return -1;
    }
    int r = cl_line(fd, reply, n, timeout_s);
    if (r == -1)
        snprintf(reply, n, "(end of file: the server closed the connection)");
    else if (r == -2)
        snprintf(reply, n, "(no reply within %.0f s)", timeout_s);
    return r;
}

/* Close with a reset (RST) instead of a polite FIN: a client that
 * vanishes, as a crashed one does. */
static inline void cl_reset(int fd)
{
    struct linger l = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

/* ---- the latency probe (client.c) ----------------------------------------
 *
 * Does a cheap request stay fast while heavy ones run?  One client keeps
 * a heavy request in flight, `heavies` times in a row, while another
 * sends PING every 2 ms and times each PONG.  A server that computes on
 * its event loop answers PING only between counts; one that hands the
 * count to other threads answers at once.  The verdict compares against
 * a reference server measured in the same run, as the machine's speed
 * sets both. */

struct cl_latency {
    double p50, p90; /* ms */
    int pings;
    int wrong;       /* wrong heavy replies; -1: a reply never came */
};

struct cl_heavy {
    const char *request; /* e.g. "PRIMES 1000000 1900000\n" */
    long want;           /* its reply, as a number */
    int times;           /* sent this many times, one after the other */
    double hello_s;      /* how long the first PING on each client may take */
};

/* Probe the server on `port`; each latency (ms) is appended to all[],
 * which counts *nall and must have room for 2048 more.  Returns `wrong`
 * only: take the percentiles of all rounds with cl_latency_of(). */
struct cl_latency cl_ping_while_busy(int port, const struct cl_heavy *h, double *all,
                                     int *nall);

/* The same with `clients` connections, each keeping `request` in flight
 * (a new one as soon as its reply comes) for window_s seconds; PINGs go
 * on until the last reply is in.  h->times is not used; all[] has room
 * for CL_MANY_ROOM latencies in all, *nall counted. */
#define CL_MANY_ROOM 8192
struct cl_latency cl_ping_while_many(int port, const struct cl_heavy *h, int clients,
                                     double window_s, double *all, int *nall);

/* Median and 90th percentile of v[0..n) (sorts v). */
struct cl_latency cl_latency_of(double *v, int n);

/* ---- a client that stops reading (client.c) -------------------------------
 *
 * The loop must never block on one client.  The hog sends the same
 * request over and over and never reads a reply, until the server's send
 * buffer towards it is full: the replies asked for exceed every kernel
 * buffer between them many times over, or the server stops taking its
 * requests (backpressure, or a server stuck in send()).  Meanwhile, and
 * for a while after, another client sends its probe every 2 ms and times
 * each reply.  A server that blocks in send() answers nobody until the
 * hog leaves; a probe that waits CL_FROZEN_FAIL_S ends the measurement. */

#define CL_FROZEN_CAP_S 2.0  /* the longest any other reply may take */
#define CL_FROZEN_FAIL_S 1.0 /* a wait this long is a frozen server */

struct cl_hog {
    const char *request; /* sent over and over, e.g. "GET big\n" */
    size_t reply_bytes;  /* what each one asks back, '\n' included */
    const char *probe;   /* the other client's request, e.g. "PING\n" */
    const char *answer;  /* and its reply, without '\n': "PONG" */
    double hello_s;      /* how long the first probe on each client may take */
};

struct cl_stall {
    double frozen_s;   /* the longest a probe waited for its reply */
    double p50, p90;   /* ms, probes answered */
    int probes;
    double sent_mb, asked_mb; /* the hog's requests, and the replies they asked */
    int stalled;       /* the server stopped taking the hog's requests */
    int wrong;         /* 1: a wrong reply; -1: no connection or no first reply */
    char reply[80];    /* the wrong reply, through shown() */
};

/* Flood `port` from a hog with a small receive buffer while probing it
 * from another client; then reset the hog and probe once more (that
 * reply must come within CL_FROZEN_CAP_S too).  A few seconds at most. */
struct cl_stall cl_probe_beside_hog(int port, const struct cl_hog *h);

/* Give a listening socket, and the connections it accepts, small kernel
 * buffers (SO_SNDBUF and SO_RCVBUF of 32 KiB), so that a few hundred KB
 * of unread replies fill them. */
void cl_small_buffers(int listen_fd);

#endif
