/* loop_selftest.c: lib/evloop keeps the promises made in evloop.h.
 *
 * Chapters 4 to 7 build on the loop, so `make test` runs this check with
 * every demo.  It exits 1 at the first broken promise:
 *   - timers fire in due order (ties first-in, first-out), never early,
 *     and cancelled ones never;
 *   - a repeating timer keeps its period and can stop itself;
 *   - a callback that re-arms a 0 ms timer forever cannot starve the
 *     descriptors;
 *   - a hang-up on a paused watcher does not make the loop spin;
 *   - a descriptor closed without el_unwatch(), whose number is reused,
 *     is refused (ENOENT) until it is unwatched: the rule is unwatch
 *     before close, and a dup() shows why (see ghost());
 *   - a notifier rung 10,001 times from another thread wakes the loop;
 *   - an idle loop burns no CPU;
 *   - a stop requested before el_run() is kept. */
#define _GNU_SOURCE
#include "evloop.h"
#include "timing.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "loop_selftest: %s:%d: %s is false\n",          \
                    __FILE__, __LINE__, #cond);                             \
            exit(1);                                                        \
        }                                                                   \
    } while (0)

static void pair(int sv[2])
{
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
}

/* ---- timers: order, earliness, cancellation -------------------------- */

#define NTIMERS 3000
static struct el_timer timers[NTIMERS];
static int fired[NTIMERS], cancelled[NTIMERS];
static double last_due;
static int in_order = 1, early;

static void record(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)loop;
    int i = (int)(long)data;
    in_order &= t->due >= last_due;
    early += el_now() < t->due;
    last_due = t->due;
    fired[i]++;
}

static void random_timers(void)
{
    struct el_loop *loop = el_loop_new();
    srand(1);
    for (int i = 0; i < NTIMERS; i++)
        CHECK(el_timer_start(loop, &timers[i], rand() % 200, 0, record, (void *)(long)i) == 0);
    for (int i = 0; i < NTIMERS; i += 3) {
        el_timer_stop(loop, &timers[i]);
        cancelled[i] = 1;
    }
    for (int i = 1; i < NTIMERS; i += 7) { /* restart some, cancelled or not */
        el_timer_start(loop, &timers[i], rand() % 200, 0, record, (void *)(long)i);
        cancelled[i] = 0;
    }
    CHECK(el_run(loop) == 0); /* returns: nothing left to wait for */
    CHECK(in_order && !early);
    for (int i = 0; i < NTIMERS; i++)
        CHECK(fired[i] == !cancelled[i] && !el_timer_active(&timers[i]));
    el_loop_free(loop);
    printf("%d random timers: in order, none early, cancelled ones silent\n", NTIMERS);
}

static int order[10], norder;

static void note_order(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)loop, (void)t;
    order[norder++] = (int)(long)data;
}

static void ties_are_fifo(void)
{
    struct el_loop *loop = el_loop_new();
    struct el_timer t[10] = { 0 };
    for (int i = 0; i < 10; i++)
        el_timer_start(loop, &t[i], 0, 0, note_order, (void *)(long)i);
    el_run(loop);
    for (int i = 0; i < 10; i++)
        CHECK(order[i] == i);
    el_loop_free(loop);
    printf("timers due at the same time fire in the order they were started\n");
}

static int ticks;

static void tick(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)data;
    if (++ticks == 10)
        el_timer_stop(loop, t); /* a repeating timer stops itself */
}

static void repeating(void)
{
    struct el_loop *loop = el_loop_new();
    struct el_timer t = { 0 };
    double t0 = el_now();
    el_timer_start(loop, &t, 5, 5, tick, NULL);
    el_run(loop);
    double took = el_now() - t0;
    CHECK(ticks == 10 && took >= 50 && took < 150);
    el_loop_free(loop);
    printf("a 5 ms repeating timer ticked 10 times in %.1f ms\n", took);
}

/* ---- a 0 ms timer forever does not starve descriptors ---------------- */

static struct el_timer yielder;
static int yields, wake_fd, io_seen;

static void yield_again(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)data;
    if (++yields == 100) /* make the descriptor readable, mid-storm */
        CHECK(write(wake_fd, "x", 1) == 1);
    el_timer_start(loop, t, 0, 0, yield_again, NULL);
}

static void readable(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)data;
    char b[16];
    CHECK(events == EL_READ && read(fd, b, sizeof b) > 0);
    io_seen++;
    el_unwatch(loop, fd);
    el_timer_stop(loop, &yielder);
}

static void no_starvation(void)
{
    struct el_loop *loop = el_loop_new();
    int sv[2];
    pair(sv);
    wake_fd = sv[1];
    el_timer_start(loop, &yielder, 0, 0, yield_again, NULL);
    el_watch(loop, sv[0], EL_READ, readable, NULL);
    el_run(loop);
    CHECK(io_seen == 1 && yields >= 100 && yields < 110);
    close(sv[0]);
    close(sv[1]);
    el_loop_free(loop);
    printf("a 0 ms timer re-armed forever let a descriptor through after %d turns\n",
           yields - 99);
}

/* ---- watchers: a batch, a paused hang-up, a reused number ------------- */

static int fd_a, fd_b, calls;

static void unwatch_both(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)fd, (void)events, (void)data;
    calls++;
    el_unwatch(loop, fd_a); /* the other one is in this batch too */
    el_unwatch(loop, fd_b);
}

static void watchers(void)
{
    struct el_loop *loop = el_loop_new();
    int s1[2], s2[2];
    pair(s1);
    pair(s2);
    fd_a = s1[0];
    fd_b = s2[0];
    el_watch(loop, fd_a, EL_READ, unwatch_both, NULL);
    el_watch(loop, fd_b, EL_READ, unwatch_both, NULL);
    close(s1[1]); /* both hang up, so both are in one batch */
    close(s2[1]);
    el_run(loop);
    CHECK(calls == 1);
    el_watch(loop, fd_a, 0, unwatch_both, NULL); /* paused, hung up */
    CHECK(el_events(loop, fd_a) == 0 && el_run_once(loop, 0) == 0);
    CHECK(el_set_events(loop, fd_a, EL_WRITE) == 0);
    calls = 0;
    CHECK(el_run_once(loop, 1) == 1 && calls == 1);
    CHECK(el_set_events(loop, 999, EL_READ) == -1);
    close(fd_a);
    close(fd_b);

    int old[2], new[2];
    pair(old);
    el_watch(loop, old[0], EL_READ, unwatch_both, NULL);
    close(old[0]); /* no el_unwatch(): epoll forgets it, the table does not */
    pair(new);
    CHECK(new[0] == old[0]);
    CHECK(el_watch(loop, new[0], EL_READ, unwatch_both, NULL) == -1 && errno == ENOENT);
    el_unwatch(loop, new[0]); /* clears the stale entry */
    fd_a = fd_b = new[0];
    CHECK(el_watch(loop, new[0], EL_READ, unwatch_both, NULL) == 0);
    CHECK(write(new[1], "x", 1) == 1);
    calls = 0;
    el_run(loop);
    CHECK(calls == 1);
    close(old[1]);
    close(new[0]);
    close(new[1]);
    el_loop_free(loop);
    printf("watchers: one call per batch, paused hang-ups stay quiet, a number "
           "closed without unwatch is refused\n");
}

/* Why the rule is "unwatch before close", not "re-add after": epoll keys
 * a registration on the number and the open file, and forgets it only when
 * every descriptor of that file is closed.  Here a dup() (a fork() child
 * would do the same) keeps the old socket alive, and its events arrive
 * under the reused number, on the new socket's watcher, which finds
 * nothing to read. */
static void count_call(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)loop, (void)fd, (void)events, (void)data;
    calls++;
}

static void ghost(void)
{
    struct el_loop *loop = el_loop_new();
    int old[2], new[2];
    char byte;
    pair(old);
    int keep = dup(old[0]);
    el_watch(loop, old[0], EL_READ, count_call, NULL);
    close(old[0]); /* no el_unwatch(), and `keep` still refers to the socket */
    pair(new);
    CHECK(new[0] == old[0]);
    el_unwatch(loop, new[0]); /* EPOLL_CTL_DEL on the number misses the old socket */
    CHECK(el_watch(loop, new[0], EL_READ, count_call, NULL) == 0);
    CHECK(write(old[1], "x", 1) == 1); /* only the *old* socket is readable */
    calls = 0;
    CHECK(el_run_once(loop, 0) == 1 && calls == 1);
    CHECK(read(new[0], &byte, 1) == -1 && errno == EAGAIN);
    close(keep); /* the last descriptor of the old socket: epoll forgets it */
    calls = 0;
    CHECK(el_run_once(loop, 0) == 0 && calls == 0);
    el_unwatch(loop, new[0]);
    close(new[0]);
    close(new[1]);
    close(old[1]);
    el_loop_free(loop);
    printf("ghost: after a dup(), a socket closed without unwatch is still "
           "reported, under the number's new owner\n");
}

/* ---- a notifier rung from another thread ------------------------------ */

static struct el_notify bell;
static atomic_int all_sent;
static int rings;

static void on_bell(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)data;
    rings++;
    if (atomic_load(&all_sent))
        el_notify_close(loop, n); /* nothing left: el_run() returns */
}

static void *ring(void *arg)
{
    (void)arg;
    for (int i = 0; i < 10000; i++)
        el_notify_send(&bell);
    atomic_store(&all_sent, 1);
    el_notify_send(&bell);
    return NULL;
}

static void notifier(void)
{
    struct el_loop *loop = el_loop_new();
    CHECK(el_notify_init(loop, &bell, on_bell, NULL) == 0);
    pthread_t t;
    pthread_create(&t, NULL, ring, NULL);
    el_run(loop);
    pthread_join(t, NULL);
    CHECK(bell.fd == -1 && rings >= 1);
    el_loop_free(loop);
    printf("10,001 rings from another thread woke the loop %d times\n", rings);
}

/* ---- idle, and stopping ------------------------------------------------ */

static void stop(struct el_loop *loop, struct el_timer *t, void *data)
{
    (void)t, (void)data;
    el_stop(loop);
}

static void idle(void)
{
    struct el_loop *loop = el_loop_new();
    int sv[2];
    pair(sv);
    el_watch(loop, sv[0], EL_READ, unwatch_both, NULL); /* never ready */
    struct el_timer t = { 0 };
    el_timer_start(loop, &t, 300, 0, stop, NULL);
    struct cost c0 = cost_start();
    el_run(loop);
    struct cost c = cost_since(c0);
    CHECK(c.user + c.sys < 0.02);
    el_unwatch(loop, sv[0]);
    close(sv[0]);
    close(sv[1]);
    el_loop_free(loop);
    printf("idle for %.0f ms: %.2f ms of CPU\n", c.wall * 1e3, (c.user + c.sys) * 1e3);

    loop = el_loop_new();
    el_timer_start(loop, &t, 1000, 0, stop, NULL);
    el_stop(loop);
    double t0 = el_now();
    el_run(loop);
    CHECK(el_now() - t0 < 5 && el_timer_active(&t));
    el_loop_free(loop);
    CHECK(!el_timer_active(&t));
    printf("a stop before el_run() is kept\n");
}

int main(void)
{
    random_timers();
    ties_are_fifo();
    repeating();
    no_starvation();
    watchers();
    ghost();
    notifier();
    idle();
    printf("lib/evloop keeps its promises\n");
    return 0;
}
