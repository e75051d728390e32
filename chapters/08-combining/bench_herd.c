/* bench_herd.c: the thundering herd, counted.
 *
 * N idle processes wait for connections on one port; the parent connects
 * 300 times, one connection at a time, and each connection gets one byte
 * back from whichever child accepted it.  Each child counts how often it
 * was woken (voluntary context switches, from getrusage()) and how often
 * accept() found nothing because a sibling had been faster.  Three ways:
 *
 *   shared     one listening socket in every child's loop (lib/evloop,
 *              level-triggered): a new connection wakes every child;
 *   exclusive  the same socket, but each child's epoll registers it with
 *              EPOLLEXCLUSIVE (a flag lib/evloop does not expose, so these
 *              children run a bare epoll_wait() loop): one wakes, usually;
 *   reuseport  a socket per child with SO_REUSEPORT (lib/evloop): the
 *              kernel hands each connection to one socket, so one child.
 *
 * Output: plots/08-combining/herd.dat. */
#define _GNU_SOURCE
#include "combine.h"
#include "evloop.h"
#include "net.h"
#include "timing.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_CHILDREN = 16 };

struct tally {
    _Atomic int ready;
    long wakeups[MAX_CHILDREN], accepts[MAX_CHILDREN], empty[MAX_CHILDREN];
};

static struct tally *T;
static int me;
static volatile sig_atomic_t stopping;

static long nvcsw(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_nvcsw;
}

/* A connection: answer one byte and close. */
static void take(int lfd)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        T->empty[me] += errno == EAGAIN;
        return;
    }
    T->accepts[me]++;
    (void)!write(fd, "x", 1);
    close(fd);
}

static void on_listen(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)events, (void)data;
    take(fd);
}

static struct el_notify *bell;

static void on_term(int sig)
{
    (void)sig;
    stopping = 1;
    if (bell)
        el_notify_send(bell);
}

static void stop_loop(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)n, (void)data;
    el_stop(loop);
}

static void child_evloop(int lfd)
{
    struct el_loop *loop = el_loop_new();
    struct el_notify stop;
    el_notify_init(loop, &stop, stop_loop, NULL);
    bell = &stop;
    el_watch(loop, lfd, EL_READ, on_listen, NULL);
    long v0 = nvcsw();
    atomic_fetch_add(&T->ready, 1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    el_run(loop);
    T->wakeups[me] = nvcsw() - v0 - 1; /* the last one was SIGTERM's */
}

static void child_exclusive(int lfd)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = lfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    long v0 = nvcsw();
    atomic_fetch_add(&T->ready, 1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    while (!stopping) {
        struct epoll_event got[4];
        int n = epoll_wait(ep, got, 4, -1);
        for (int i = 0; i < n; i++)
            take(lfd);
    }
    T->wakeups[me] = nvcsw() - v0 - 1;
}

/* Wake-ups per connection, and empty accepts per connection. */
static void measure(int mode, int n, int conns, double *wake, double *empty)
{
    memset(T, 0, sizeof *T);
    int port = 0, lfd[MAX_CHILDREN];
    for (int k = 0; k < n; k++) {
        lfd[k] = mode == 2 ? tcp_listen_reuseport(&port)
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
            me = k;
            signal(SIGTERM, on_term);
            for (int j = 0; j < n; j++)
                if (lfd[j] != lfd[k])
                    close(lfd[j]);
            if (mode == 1)
                child_exclusive(lfd[k]);
            else
                child_evloop(lfd[k]);
            _exit(0);
        }
    }
    for (int k = 0; k < n; k++)
        if (k == 0 || lfd[k] != lfd[0])
            close(lfd[k]);
    while (atomic_load(&T->ready) < n)
        usleep(1000);
    usleep(20000); /* let every child settle into epoll_wait() */
    for (int i = 0; i < conns; i++) {
        int fd = tcp_connect_loopback(port);
        char b;
        if (fd < 0 || read(fd, &b, 1) != 1) {
            fprintf(stderr, "bench_herd: a connection failed\n");
            exit(1);
        }
        close(fd);
        usleep(500); /* the losers go back to sleep before the next one */
    }
    for (int k = 0; k < n; k++)
        kill(pid[k], SIGTERM);
    long w = 0, e = 0;
    for (int k = 0; k < n; k++) {
        waitpid(pid[k], NULL, 0);
        w += T->wakeups[k];
        e += T->empty[k];
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    *wake = (double)w / conns;
    *empty = (double)e / conns;
}

int main(void)
{
    T = mmap(NULL, sizeof *T, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int conns = quick_mode() ? 30 : 300;
    int counts[] = { 1, 2, 4, 8, 16 };
    print_machine(stdout);
    printf("# %d connections, one at a time, to N idle processes; per connection: "
           "processes woken, and accept() calls that found nothing\n", conns);
    printf("# columns: processes shared_woken exclusive_woken reuseport_woken "
           "shared_empty_accepts exclusive_empty_accepts reuseport_empty_accepts\n");
    for (int i = 0; i < 5; i++) {
        if (quick_mode() && counts[i] > 4)
            break;
        double w[3], e[3];
        for (int mode = 0; mode < 3; mode++)
            measure(mode, counts[i], conns, &w[mode], &e[mode]);
        printf("%d %.2f %.2f %.2f %.2f %.2f %.2f\n", counts[i], w[0], w[1], w[2], e[0],
               e[1], e[2]);
        fflush(stdout);
    }
    return 0;
}
