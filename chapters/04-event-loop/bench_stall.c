/* bench_stall.c: one slow callback stalls every connection.
 *
 * The loop (main thread) runs an echo server and, in each trial, one
 * timer callback that computes for `spin` ms without yielding.  A client
 * (second thread, so on the other core) keeps 20 connections busy: every
 * 5 ms it sends a timestamp on each of them and measures how long the
 * echo takes to come back.  While the callback computes, nothing else on
 * the loop can run: no read, no write, no accept, no timer.  Every
 * connection waits, and the worst ping waits about as long as the
 * callback ran, whatever it had to do with that callback.
 *
 * Output: plots/04-event-loop/stall.dat, one row per spin length: the
 * median and the worst round trip over all pings, and how many of the 20
 * connections had a ping delayed by more than half the spin. */
#define _GNU_SOURCE
#include "evloop.h"
#include "net.h"
#include "timing.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONNS 20
#define TICK_MS 5
#define MAX_PINGS 20000

static int port;
static double spin_ms;    /* set by the client before it rings */
static int client_done;
static struct el_notify bell;
static struct el_timer slow;

/* ---- the loop: an echo server and one slow callback --------------------- */

static void on_echo(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)events, (void)data;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        /* Pings are tiny and the client reads them all: the write fits.
         * (echo_server.c shows what to do when it does not.) */
        (void)!send(fd, buf, (size_t)n, MSG_NOSIGNAL);
    } else if (n == 0 || errno != EAGAIN) {
        el_unwatch(loop, fd);
        close(fd);
    }
}

static void on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events, (void)data;
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
        el_watch(loop, fd, EL_READ, on_echo, NULL);
}

// [snippet spin]
/* A callback that computes for spin_ms without yielding, standing in for
 * a big JSON document to parse, an image to resize, a slow regex. */
static void compute(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)loop, (void)t, (void)data;
    double until = el_now() + spin_ms;
    while (el_now() < until)
        ; /* every other connection waits for this loop to end */
}
// [end spin]

static void on_bell(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)n, (void)data;
    if (__atomic_load_n(&client_done, __ATOMIC_ACQUIRE))
        el_stop(loop);
    else if (spin_ms > 0)
        el_timer_start(loop, &slow, 100, 0, compute, NULL); /* 100 ms in */
}

/* ---- the client: 20 connections, a ping on each every 5 ms -------------- */

struct stats {
    double lat[MAX_PINGS];
    int n;
    double worst[CONNS];
};

static void read_replies(int fd, int c, struct stats *s, char *buf, size_t *len)
{
    ssize_t r = read(fd, buf + *len, 255 - *len);
    if (r <= 0)
        return;
    *len += (size_t)r;
    char *start = buf, *nl;
    while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
        double sent = strtod(start, NULL), lat = el_now() - sent;
        if (s->n < MAX_PINGS)
            s->lat[s->n++] = lat;
        if (lat > s->worst[c])
            s->worst[c] = lat;
        start = nl + 1;
    }
    *len -= (size_t)(start - buf);
    memmove(buf, start, *len);
}

static void trial(struct stats *s, double spin)
{
    int fd[CONNS];
    char buf[CONNS][256];
    size_t len[CONNS] = { 0 };
    struct pollfd p[CONNS];
    long sent = 0;
    memset(s, 0, sizeof *s);
    for (int c = 0; c < CONNS; c++) {
        fd[c] = tcp_connect_loopback(port);
        p[c] = (struct pollfd){ .fd = fd[c], .events = POLLIN };
    }
    spin_ms = spin;
    el_notify_send(&bell); /* the loop starts the slow timer */
    double t0 = el_now(), next = t0;
    double stop_sending = t0 + 100 + spin + 150, give_up = stop_sending + 500;
    for (;;) {
        double now = el_now();
        if ((now >= stop_sending && s->n >= sent) || now >= give_up)
            break;
        if (now >= next && now < stop_sending) {
            char line[64];
            int n = snprintf(line, sizeof line, "%.3f\n", now);
            for (int c = 0; c < CONNS; c++)
                sent += write(fd[c], line, (size_t)n) == n;
            next += TICK_MS;
        }
        double wait = (now < stop_sending ? next : give_up) - el_now();
        poll(p, CONNS, wait > 0 ? (int)wait + 1 : 0);
        for (int c = 0; c < CONNS; c++)
            if (p[c].revents & POLLIN)
                read_replies(fd[c], c, s, buf[c], &len[c]);
    }
    if (s->n < sent)
        fprintf(stderr, "bench_stall: %ld pings of %ld never came back\n", sent - s->n, sent);
    for (int c = 0; c < CONNS; c++)
        close(fd[c]);
}

static int quick;

static void *client(void *arg)
{
    (void)arg;
    static const double spins[] = { 0, 20, 50, 100, 200, 400 };
    int nspins = quick ? 2 : 6;
    static struct stats s;
    printf("# columns: spin_(ms) median_(ms) worst_(ms) connections_stalled\n");
    for (int i = 0; i < nspins; i++) {
        double spin = spins[quick ? 2 * i : i]; /* QUICK: 0 and 50 */
        trial(&s, spin);
        int stalled = 0;
        for (int c = 0; c < CONNS; c++)
            stalled += s.worst[c] > spin / 2;
        double worst = 0;
        for (int k = 0; k < s.n; k++)
            worst = s.lat[k] > worst ? s.lat[k] : worst;
        double med = median(s.lat, s.n);
        if (spin > 0)
            printf("%6.0f %10.2f %10.1f %6d/%d\n", spin, med, worst, stalled, CONNS);
        else
            printf("%6.0f %10.2f %10.1f %8s\n", spin, med, worst, "-");
        fflush(stdout);
    }
    __atomic_store_n(&client_done, 1, __ATOMIC_RELEASE);
    el_notify_send(&bell);
    return NULL;
}

int main(void)
{
    quick = quick_mode();
    int lfd = tcp_listen_loopback(&port);
    struct el_loop *loop = el_loop_new();
    if (lfd < 0 || !loop || set_nonblocking(lfd) != 0 ||
        el_watch(loop, lfd, EL_READ, on_accept, NULL) != 0 ||
        el_notify_init(loop, &bell, on_bell, NULL) != 0) {
        perror("bench_stall");
        return 1;
    }
    print_machine(stdout);
    printf("# %d connections, a ping on each every %d ms\n", CONNS, TICK_MS);
    pthread_t t;
    pthread_create(&t, NULL, client, NULL);
    el_run(loop);
    pthread_join(t, NULL);
    el_notify_close(loop, &bell);
    el_unwatch(loop, lfd);
    close(lfd);
    el_loop_free(loop);
    return 0;
}
