/* bench_readiness.c: what one wait costs with many idle descriptors.
 *
 * A server with 10,000 connections, of which one has something to say,
 * asks the kernel "which of these is ready?" over and over.  select() and
 * poll() take the whole list on every call and the kernel checks every
 * entry, so a wait costs O(all descriptors), and the program then scans
 * the list again to find the ready one.  epoll keeps the list in the
 * kernel (registered once with epoll_ctl) and a wait returns only the
 * ready descriptors: O(ready).
 *
 * The idle descriptors are eventfds whose counter is zero; the busy one is
 * an eventfd whose counter is never drained, so every wait returns at
 * once with exactly one ready descriptor.  The busy one is the LAST in
 * the list, as a newly accepted connection would be: the program's own
 * scan for it after select() or poll() then walks the whole list, and
 * that O(N) scan is part of what is measured.  Output: plots/04-event-loop/
 * readiness.dat, microseconds per wait (median of 5 timed batches).
 * select() cannot watch a descriptor numbered FD_SETSIZE (1024) or more,
 * so its column stops there. */
#define _GNU_SOURCE
#include "net.h"
#include "timing.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <unistd.h>

static int *fds, nfds; /* fds[nfds - 1] is the busy one */
static double batch_s;

/* Microseconds per call of wait_once(), median of 5 timed batches. */
static double per_call_us(int (*wait_once)(void))
{
    double v[5];
    long calls = 1;
    for (;;) { /* calibrate: a batch should last about batch_s */
        double t0 = now_s();
        for (long i = 0; i < calls; i++)
            wait_once();
        if (now_s() - t0 > batch_s / 4)
            break;
        calls *= 2;
    }
    calls *= 4;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        for (long i = 0; i < calls; i++)
            if (wait_once() != fds[nfds - 1])
                exit(1);
        v[r] = (now_s() - t0) / calls * 1e6;
    }
    return median(v, 5);
}

// [snippet select]
static fd_set all; /* built once; select() overwrites its copy */
static int maxfd;

static int wait_select(void)
{
    fd_set ready = all;
    if (select(maxfd + 1, &ready, NULL, NULL, NULL) < 1)
        return -1;
    for (int i = 0; i < nfds; i++) /* which one?  Ask every descriptor. */
        if (FD_ISSET(fds[i], &ready))
            return fds[i];
    return -1;
}
// [end select]

// [snippet poll]
static struct pollfd *pfds;

static int wait_poll(void)
{
    if (poll(pfds, (nfds_t)nfds, -1) < 1) /* the kernel checks all nfds */
        return -1;
    for (int i = 0; i < nfds; i++) /* and so do we */
        if (pfds[i].revents & POLLIN)
            return pfds[i].fd;
    return -1;
}
// [end poll]

// [snippet epoll]
static int ep; /* every descriptor was added once, with epoll_ctl() */

static int wait_epoll(void)
{
    struct epoll_event ev[16];
    if (epoll_wait(ep, ev, 16, -1) < 1) /* only ready ones come back */
        return -1;
    return ev[0].data.fd;
}
// [end epoll]

static int setup(int idle)
{
    nfds = idle + 1;
    fds = malloc(sizeof *fds * (size_t)nfds);
    pfds = malloc(sizeof *pfds * (size_t)nfds);
    ep = epoll_create1(0);
    FD_ZERO(&all);
    maxfd = 0;
    for (int i = 0; i < nfds; i++) {
        fds[i] = eventfd(i == nfds - 1, EFD_NONBLOCK); /* only the last is ready */
        if (fds[i] < 0)
            return -1;
        pfds[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
        if (fds[i] < FD_SETSIZE)
            FD_SET(fds[i], &all);
        maxfd = fds[i] > maxfd ? fds[i] : maxfd;
    }
    return 0;
}

static void teardown(void)
{
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    close(ep);
    free(fds);
    free(pfds);
}

int main(void)
{
    int quick = quick_mode();
    static const int sizes[] = { 10, 100, 300, 1000, 3000, 10000, 30000 };
    int nsizes = quick ? 4 : 7;
    batch_s = quick ? 0.004 : 0.05;
    long limit = raise_fd_limit(1L << 20);
    print_machine(stdout);
    print_conditions(stdout, "build/demo/04-event-loop/bench_readiness");
    printf("# the ready descriptor is the last of the list, so the scan after select() and poll() walks all of it\n");
    printf("# open-file soft limit raised to the hard limit: %ld\n", limit);
    printf("# columns: idle_fds select_(us) poll_(us) epoll_(us) poll/epoll\n");
    for (int s = 0; s < nsizes; s++) {
        int idle = sizes[s];
        if (idle + 16 > limit) {
            printf("# skipped %d idle descriptors: the open-file limit is %ld\n", idle, limit);
            fprintf(stderr, "bench_readiness: skipped %d idle descriptors: the "
                    "open-file limit is %ld (raise the hard limit to measure it)\n",
                    idle, limit);
            continue;
        }
        if (setup(idle) != 0) {
            perror("eventfd");
            return 1;
        }
        char sel[32] = "-";
        if (maxfd < FD_SETSIZE)
            snprintf(sel, sizeof sel, "%.3f", per_call_us(wait_select));
        double p = per_call_us(wait_poll), e = per_call_us(wait_epoll);
        printf("%8d %10s %10.3f %10.3f %10.1f\n", idle, sel, p, e, p / e);
        fflush(stdout);
        teardown();
    }
    return 0;
}
