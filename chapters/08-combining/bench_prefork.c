/* bench_prefork.c: prefork throughput against the number of processes.
 *
 * 1 to 8 children, each with its own loop (work_server.h), serve a
 * CPU-heavy mix: three requests in four are PRIMES of about 1 ms, the
 * fourth is PING.  A load generator (one more loop, in the parent) opens
 * 32 connections, each sending its first request as soon as it is
 * connected, keeps one request in flight on each for a second, and
 * counts the replies.  Two ways to share the port: one listening socket
 * for all (shared accept queue), or a socket per child with SO_REUSEPORT.
 * The last columns give the busiest child's share of the requests.
 *
 * Output: plots/08-combining/prefork.dat (drawn by prefork.gp). */
#define _GNU_SOURCE
#include "net.h"
#include "primes.h"
#include "timing.h"
#include "work_server.h"

#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

enum { MAX_CHILDREN = 8, CONNS = 32 };

static char heavy[64];

struct client {
    int fd;
    long sent;
    size_t len;
    char in[64];
};

static struct {
    struct el_loop *loop;
    struct el_timer end;
    long replies;
    int failed;
} G;

static void send_next(struct client *c)
{
    const char *req = c->sent++ % 4 == 3 ? "PING\n" : heavy;
    if (send(c->fd, req, strlen(req), MSG_NOSIGNAL) < 0)
        G.failed = 1;
}

static void on_reply(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)events;
    struct client *c = data;
    ssize_t n = read(fd, c->in + c->len, sizeof c->in - c->len);
    if (n <= 0) {
        if (n == 0 || errno != EAGAIN) {
            G.failed = 1;
            el_unwatch(G.loop, fd);
        }
        return;
    }
    c->len += (size_t)n;
    char *nl;
    while ((nl = memchr(c->in, '\n', c->len))) {
        G.replies++;
        c->len -= (size_t)(nl + 1 - c->in);
        memmove(c->in, nl + 1, c->len);
        send_next(c);
    }
}

static void time_up(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)t, (void)data;
    el_stop(loop);
}

/* Requests per second with n children; *busiest: the top child's share. */
static double measure(int n, int reuseport, double seconds, double *busiest)
{
    long *served = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    _Atomic int *ready = (_Atomic int *)(served + MAX_CHILDREN);
    int port = 0, lfd[MAX_CHILDREN];
    for (int k = 0; k < n; k++) {
        lfd[k] = reuseport ? tcp_listen_reuseport(&port)
                           : k == 0 ? tcp_listen_loopback(&port) : lfd[0];
        set_nonblocking(lfd[k]);
    }
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old);
    pid_t pid[MAX_CHILDREN];
    for (int k = 0; k < n; k++) {
        fflush(NULL);
        if ((pid[k] = fork()) == 0) {
            for (int j = 0; j < n; j++)
                if (lfd[j] != lfd[k])
                    close(lfd[j]);
            ws_child(lfd[k], &served[k], ready);
        }
    }
    for (int k = 0; k < n; k++)
        if (k == 0 || lfd[k] != lfd[0])
            close(lfd[k]);

    while (atomic_load(ready) < n) /* every child in its loop: a fair start */
        usleep(1000);
    usleep(20000);
    static struct client cl[CONNS];
    G.loop = el_loop_new();
    G.replies = 0;
    G.failed = 0;
    double t0 = now_s();
    for (int i = 0; i < CONNS; i++) { /* each client asks as soon as it is in */
        cl[i] = (struct client){ .fd = tcp_connect_loopback(port) };
        set_nonblocking(cl[i].fd);
        el_watch(G.loop, cl[i].fd, EL_READ, on_reply, &cl[i]);
        send_next(&cl[i]);
    }
    el_timer_start(G.loop, &G.end, seconds * 1e3, 0, time_up, NULL);
    el_run(G.loop);
    double rate = G.replies / (now_s() - t0);
    for (int i = 0; i < CONNS; i++) {
        el_unwatch(G.loop, cl[i].fd);
        close(cl[i].fd);
    }
    el_loop_free(G.loop);
    long top = 0, all = 0;
    for (int k = 0; k < n; k++)
        kill(pid[k], SIGTERM);
    for (int k = 0; k < n; k++) {
        waitpid(pid[k], NULL, 0);
        all += served[k];
        top = served[k] > top ? served[k] : top;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    munmap(served, 4096);
    *busiest = all ? 100.0 * top / all : 0;
    if (G.failed) {
        fprintf(stderr, "bench_prefork: a connection failed\n");
        exit(1);
    }
    return rate;
}

int main(void)
{
    int quick = quick_mode();
    double seconds = quick ? 0.1 : 1.0;
    /* A heavy request of about 1 ms: the best of three timings. */
    uint64_t span = 5000;
    double best = 1;
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        count_primes(1000000, 1000000 + span);
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    span = (uint64_t)(span * 1e-3 / best);
    snprintf(heavy, sizeof heavy, "PRIMES 1000000 %llu\n", 1000000ULL + (unsigned long long)span);
    print_machine(stdout);
    printf("# %d connections, one request in flight each; 3 in 4 requests are '%.*s' "
           "(about 1 ms), the 4th PING; %.1f s per point\n", CONNS,
           (int)strlen(heavy) - 1, heavy, seconds);
    printf("# columns: processes shared_socket_(req/s) SO_REUSEPORT_(req/s) "
           "shared_busiest_(%%) reuseport_busiest_(%%)\n");
    int counts[] = { 1, 2, 3, 4, 6, 8 };
    for (int i = 0; i < 6; i++) {
        if (quick && counts[i] > 2)
            break;
        double b1, b2;
        double shared = measure(counts[i], 0, seconds, &b1);
        double reuse = measure(counts[i], 1, seconds, &b2);
        printf("%d %.0f %.0f %.0f %.0f\n", counts[i], shared, reuse, b1, b2);
        fflush(stdout);
    }
    return 0;
}
