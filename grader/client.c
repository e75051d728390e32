/* client.c: the latency probe of client.h, for the Criterion tests of
 * chapters 5 and 7 (the line client itself is inline in client.h). */
#define _GNU_SOURCE
#include "client.h"

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
