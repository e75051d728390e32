/* signals_loop.c: signals and threads meet an epoll loop.
 *
 * 1. signalfd: the signal is blocked, so no handler ever runs; it waits,
 *    pending, until the loop reads it from a descriptor like any other
 *    event.
 * 2. The self-pipe trick, for systems without signalfd: a handler writes
 *    one byte into a non-blocking pipe whose read end the loop watches.
 * 3. EPOLLONESHOT: several threads wait on one epoll set; after one of
 *    them receives a descriptor's event, the descriptor is disabled until
 *    that thread re-arms it with EPOLL_CTL_MOD, so no second thread is
 *    woken for the same data.  Without it (level-triggered), a second
 *    waiter may wake for data that the first is already reading. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

// [snippet signalfd]
static void with_signalfd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* no handler: it stays pending */
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    raise(SIGUSR1);
    if (epoll_wait(ep, &ev, 1, 1000) == 1) {
        struct signalfd_siginfo info;
        if (read(sfd, &info, sizeof info) == sizeof info)
            printf("1. signalfd: the loop read signal %s as an event\n",
                   sigabbrev_np((int)info.ssi_signo));
    }
    close(ep);
    close(sfd);
}
// [end signalfd]

// [snippet selfpipe]
static int self_pipe[2];

static void on_signal(int sig)
{
    int saved = errno;
    char b = (char)sig;
    if (write(self_pipe[1], &b, 1) < 0) { /* full: a wake-up is already due */
    }
    errno = saved;
}
// [end selfpipe]

static void with_self_pipe(void)
{
    pipe2(self_pipe, O_CLOEXEC | O_NONBLOCK);
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = self_pipe[0] };
    epoll_ctl(ep, EPOLL_CTL_ADD, self_pipe[0], &ev);
    raise(SIGUSR2);
    char b;
    if (epoll_wait(ep, &ev, 1, 1000) == 1 && read(self_pipe[0], &b, 1) == 1)
        printf("2. self-pipe: the handler's byte woke the loop for signal %s\n",
               sigabbrev_np(b));
    close(ep);
}

/* ---- 3: two threads, one epoll set, one byte at a time ---------------- */

static int ep3, data[2];
static _Atomic int woken, stop;

static void *waiter(void *arg)
{
    int oneshot = *(int *)arg;
    struct epoll_event ev;
    while (!atomic_load(&stop)) {
        if (epoll_wait(ep3, &ev, 1, 20) != 1)
            continue;
        atomic_fetch_add(&woken, 1);
        struct timespec ts = { 0, 200000 }; /* "handling" takes a moment */
        nanosleep(&ts, NULL);
        char b;
        while (read(data[0], &b, 1) == 1)
            ;
        if (oneshot) { /* re-arm: the descriptor is ours until we do */
            ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT,
                                       .data.fd = data[0] };
            epoll_ctl(ep3, EPOLL_CTL_MOD, data[0], &ev);
        }
    }
    return NULL;
}

/* Trials, of `trials`, in which one byte woke both threads. */
static int double_wakeups(int oneshot, int trials)
{
    pipe2(data, O_CLOEXEC | O_NONBLOCK);
    ep3 = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN | (oneshot ? EPOLLONESHOT : 0),
                              .data.fd = data[0] };
    epoll_ctl(ep3, EPOLL_CTL_ADD, data[0], &ev);
    atomic_store(&stop, 0);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, waiter, &oneshot);
    int doubles = 0;
    for (int i = 0; i < trials; i++) {
        atomic_store(&woken, 0);
        if (write(data[1], "x", 1) != 1)
            break;
        struct timespec ts = { 0, 2000000 }; /* both have time to react */
        nanosleep(&ts, NULL);
        doubles += atomic_load(&woken) > 1;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    close(ep3);
    close(data[0]);
    close(data[1]);
    return doubles;
}

int main(void)
{
    int trials = quick_mode() ? 50 : 500;
    with_signalfd();
    with_self_pipe();
    printf("3. one byte, two threads in epoll_wait(), %d trials: both woke "
           "in %d level-triggered, in %d with EPOLLONESHOT\n", trials,
           double_wakeups(0, trials), double_wakeups(1, trials));
    return 0;
}
