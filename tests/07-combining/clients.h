/* clients.h: what the tests of exercises 7.2 and 7.3 share: blocking line
 * clients with timeouts (so a server that stops answering fails a test
 * instead of hanging it), message quoting, and a few small references.
 *
 * Criterion copies failure messages into its JSON report without
 * escaping them, so messages quote with '...' and anything a server sent
 * goes through shown(). */
#ifndef CLIENTS_H
#define CLIENTS_H

#include "combine.h"
#include "net.h"
#include "primes.h"
#include "timing.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* One reply line, '\n' stripped.  Its length; -1 on end of file (or
 * reset); -2 when nothing came within timeout_s. */
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

/* Send a request, read one reply line (timeout_s at most); on failure
 * the reply says what happened, in words. */
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

static inline int cl_ask(int fd, const char *request, char *reply, size_t n)
{
    return cl_ask_within(fd, request, reply, n, 5.0);
}

/* Close with a reset (RST) instead of a polite FIN. */
static inline void cl_reset(int fd)
{
    struct linger l = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close(fd);
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- heavy batches, for the speedup judge -------------------------------- */

/* An even range: near 100,000,000 every slice costs about the same, so
 * the speedup test judges parallelism, not load balancing.  16 requests
 * of 12,500 numbers: about 0.13 s on one core. */
#define BATCH_N 16
#define BATCH_LO 99800000ULL
#define BATCH_SPAN 12500ULL

static inline void batch_request(int i, char *buf, size_t n)
{
    snprintf(buf, n, "PRIMES %llu %llu\n", BATCH_LO + i * BATCH_SPAN,
             BATCH_LO + (i + 1) * BATCH_SPAN);
}

/* The sequential reference: the same counts, one after the other. */
static inline void batch_sequential(void *arg, void *out)
{
    (void)arg;
    long sum = 0;
    for (int i = 0; i < BATCH_N; i++)
        sum += count_primes(BATCH_LO + i * BATCH_SPAN, BATCH_LO + (i + 1) * BATCH_SPAN);
    *(long *)out = sum;
}

/* Send the whole batch to a server at once, one request per connection,
 * and add up the replies.  Returns the sum, or -1 on any failure. */
static inline long batch_ask(int port)
{
    int fd[BATCH_N];
    long sum = 0;
    int opened = 0, ok = 1;
    for (; opened < BATCH_N; opened++) {
        char req[64];
        fd[opened] = tcp_connect_loopback(port);
        batch_request(opened, req, sizeof req);
        if (fd[opened] < 0 || cl_send(fd[opened], req) != 0) {
            ok = 0;
            if (fd[opened] >= 0)
                opened++;
            break;
        }
    }
    for (int i = 0; i < opened && ok; i++) {
        char line[64];
        if (cl_line(fd[i], line, sizeof line, 30) <= 0)
            ok = 0;
        else
            sum += atol(line);
    }
    for (int i = 0; i < opened; i++)
        close(fd[i]);
    return ok ? sum : -1;
}

#endif
