/* client.c: the latency probe of client.h, for the Criterion tests of
 * chapters 5 and 7 (the line client itself is inline in client.h). */
#define _GNU_SOURCE
#include "client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>

struct cl_latency cl_ping_while_busy(int port, const struct cl_heavy *h, double *all,
                                     int *nall)
{
    struct cl_latency L = { 0 };
    int heavy = cl_connect(port), pinger = cl_connect(port);
    char line[64];
    /* Both clients answered once: the timing starts with a server that
     * has accepted them and is reading. */
    if (heavy < 0 || pinger < 0 ||
        cl_ask_within(pinger, "PING\n", line, sizeof line, h->hello_s) < 0 ||
        cl_ask_within(heavy, "PING\n", line, sizeof line, h->hello_s) < 0) {
        L.wrong = -1;
        goto out;
    }
    double lat[2048], sent = 0, next_ping = now_s();
    int n = 0, done = 0, waiting = 0;
    cl_send(heavy, h->request);
    while (done < h->times || waiting) {
        double now = now_s();
        if (!waiting && done < h->times && now >= next_ping && n < 2048) {
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
            L.wrong += atol(line) != h->want;
            if (++done < h->times)
                cl_send(heavy, h->request);
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

#define MANY_MAX 32

/* A heavy reply on connection fd: check it, and ask again while the
 * window is open.  Returns 1 while this connection has a request out. */
static int many_reply(int fd, const struct cl_heavy *h, double until, struct cl_latency *L)
{
    char line[64];
    if (cl_line(fd, line, sizeof line, 5) < 0) {
        L->wrong = -1;
        return 0;
    }
    L->wrong += atol(line) != h->want;
    return now_s() < until && cl_send(fd, h->request) == 0;
}

struct cl_latency cl_ping_while_many(int port, const struct cl_heavy *h, int clients,
                                     double window_s, double *all, int *nall)
{
    struct cl_latency L = { 0 };
    int fd[MANY_MAX + 1], out[MANY_MAX + 1] = { 0 }, opened = 0, busy = 0;
    char line[64];
    clients = clients < MANY_MAX ? clients : MANY_MAX;
    for (; opened <= clients; opened++) /* fd[clients] is the pinger */
        if ((fd[opened] = cl_connect(port)) < 0 ||
            cl_ask_within(fd[opened], "PING\n", line, sizeof line, h->hello_s) < 0) {
            L.wrong = -1;
            opened += fd[opened] >= 0;
            goto out;
        }
    for (int i = 0; i < clients; i++)
        busy += out[i] = cl_send(fd[i], h->request) == 0;
    double until = now_s() + window_s, sent = 0, next = now_s();
    int waiting = 0, n = 0;
    struct pollfd p[MANY_MAX + 1];
    while ((busy || waiting) && L.wrong == 0) {
        double now = now_s();
        if (now > until + 10) { /* PONGs come, but a count never does */
            L.wrong = -1;
            break;
        }
        if (!waiting && busy && now >= next && *nall + n < CL_MANY_ROOM) {
            cl_send(fd[clients], "PING\n");
            sent = now, waiting = 1;
        }
        for (int i = 0; i <= clients; i++)
            p[i] = (struct pollfd){ fd[i], (i == clients ? waiting : out[i]) ? POLLIN : 0, 0 };
        if (poll(p, (nfds_t)clients + 1, waiting ? 5000 : 1) == 0 && waiting) {
            L.wrong = -1; /* five seconds of silence */
            break;
        }
        for (int i = 0; i < clients; i++)
            if (p[i].revents && out[i] && !(out[i] = many_reply(fd[i], h, until, &L)))
                busy--;
        if (p[clients].revents) {
            if (cl_line(fd[clients], line, sizeof line, 5) < 0 || strcmp(line, "PONG") != 0)
                L.wrong = -1;
            all[*nall + n++] = (now_s() - sent) * 1000;
            waiting = 0, next = now_s() + 0.002;
        }
    }
    *nall += n;
out:
    for (int i = 0; i < opened; i++)
        close(fd[i]);
    return L;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct cl_latency cl_latency_of(double *v, int n)
{
    struct cl_latency L = { .pings = n };
    if (n) {
        qsort(v, (size_t)n, sizeof *v, cmp_double);
        L.p50 = v[n / 2];
        L.p90 = v[(n * 9) / 10];
    }
    return L;
}

/* ---- a client that stops reading ------------------------------------------ */

#define HOG_TARGET_BYTES (2u << 20) /* replies asked: many times the buffers */
#define HOG_STALL_S 0.3             /* nothing taken this long: it stopped reading */
#define HOG_FLOOD_S 3.0             /* the flood's longest */
#define HOG_HOLD_S 0.25             /* probing goes on this long after it (a probe
                                     * then waiting still runs to CL_FROZEN_FAIL_S;
                                     * docs/data/fairness-hold.dat; 0.5 s before) */

void cl_small_buffers(int listen_fd)
{
    int small = 32 * 1024;
    setsockopt(listen_fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(listen_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
}

struct hog {
    int fd, flooding;
    size_t len, off, sent;
    double last_progress;
    char chunk[65536]; /* whole requests, sent round and round */
};

/* Small buffers, set before connect(): the window the hog offers stays
 * small, so unread replies soon pile up in the server, and what it has
 * sent is what the server took, not what its own kernel holds. */
static int hog_connect(struct hog *g, int port, const struct cl_hog *h)
{
    char line[80];
    int small = 16 * 1024;
    g->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (g->fd < 0 || setsockopt(g->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small) ||
        setsockopt(g->fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small) ||
        connect(g->fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        cl_ask_within(g->fd, h->probe, line, sizeof line, h->hello_s) < 0)
        return -1;
    size_t n = strlen(h->request);
    for (g->len = 0; g->len + n <= sizeof g->chunk; g->len += n)
        memcpy(g->chunk + g->len, h->request, n);
    g->flooding = 1;
    g->last_progress = now_s();
    return 0;
}

static void hog_push(struct hog *g)
{
    ssize_t n = send(g->fd, g->chunk + g->off, g->len - g->off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
        g->sent += (size_t)n;
        g->off = (g->off + (size_t)n) % g->len;
        g->last_progress = now_s();
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        g->flooding = 0; /* the server closed it: allowed, it broke the rules */
    }
}

/* Stop flooding once the replies asked for are many times what the
 * buffers hold, or the server stopped taking requests, or time is up. */
static int hog_done(struct hog *g, const struct cl_hog *h, double t0, struct cl_stall *S)
{
    double now = now_s();
    double asked = (double)(g->sent / strlen(h->request)) * (double)h->reply_bytes;
    S->stalled = now - g->last_progress > HOG_STALL_S;
    return !g->flooding || asked >= HOG_TARGET_BYTES || S->stalled ||
           now - t0 > HOG_FLOOD_S;
}

/* One probe's reply, if it is there; 1 when answered. */
static int take_answer(int fd, const struct cl_hog *h, struct cl_stall *S, double sent_at,
                       double *lat)
{
    char line[80];
    int r = cl_line(fd, line, sizeof line, CL_FROZEN_CAP_S);
    if (r < 0 || strcmp(line, h->answer) != 0) {
        S->wrong = 1;
        snprintf(S->reply, sizeof S->reply, "%s", r == -1 ? "(end of file)"
                 : r == -2 ? "(half a line)" : shown(line));
        return 0;
    }
    double waited = now_s() - sent_at;
    S->frozen_s = waited > S->frozen_s ? waited : S->frozen_s;
    lat[S->probes++] = waited * 1000;
    return 1;
}

struct cl_stall cl_probe_beside_hog(int port, const struct cl_hog *h)
{
    struct cl_stall S = { 0 };
    static struct hog g;
    static double lat[4096];
    char line[80];
    memset(&g, 0, sizeof g);
    g.fd = -1;
    int pinger = cl_connect(port);
    if (pinger < 0 || cl_ask_within(pinger, h->probe, line, sizeof line, h->hello_s) < 0 ||
        hog_connect(&g, port, h) != 0) {
        S.wrong = -1;
        goto out;
    }
    double t0 = now_s(), hold_until = 0, next = t0, sent_at = 0;
    int waiting = 0;
    while (S.probes < 4096 && !S.wrong) {
        double now = now_s();
        if (g.flooding && hog_done(&g, h, t0, &S)) {
            g.flooding = 0;
            hold_until = now + HOG_HOLD_S;
        }
        if (!g.flooding && now >= hold_until && !waiting)
            break;
        if (waiting && now - sent_at >= CL_FROZEN_FAIL_S) {
            /* and counting: frozen, the tests' verdict already (each fails
             * frozen_s >= CL_FROZEN_FAIL_S), so waiting on to the cap only
             * cost a second of every frozen server's test */
            S.frozen_s = now - sent_at;
            break;
        }
        if (!waiting && now >= next) {
            cl_send(pinger, h->probe);
            sent_at = now, waiting = 1;
        }
        struct pollfd p[2] = { { pinger, POLLIN, 0 }, { g.fd, g.flooding ? POLLOUT : 0, 0 } };
        poll(p, 2, 1);
        if (p[0].revents && take_answer(pinger, h, &S, sent_at, lat))
            waiting = 0, next = now_s() + 0.002;
        if (p[1].revents & POLLOUT)
            hog_push(&g);
    }
    S.sent_mb = (double)g.sent / 1e6;
    S.asked_mb = (double)(g.sent / strlen(h->request)) * (double)h->reply_bytes / 1e6;
    cl_reset(g.fd); /* the hog leaves: a blocked server wakes up now */
    g.fd = -1;
    struct cl_latency L = cl_latency_of(lat, S.probes);
    S.p50 = L.p50, S.p90 = L.p90;
    /* A frozen server has the probe's old request to answer first. */
    if (!S.wrong && (!waiting || cl_line(pinger, line, sizeof line, CL_FROZEN_CAP_S) >= 0) &&
        cl_ask_within(pinger, h->probe, line, sizeof line, CL_FROZEN_CAP_S) < 0) {
        S.wrong = -2;
        snprintf(S.reply, sizeof S.reply, "%s", shown(line));
    }
out:
    if (g.fd >= 0)
        close(g.fd);
    if (pinger >= 0)
        close(pinger);
    return S;
}
