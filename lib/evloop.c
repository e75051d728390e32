/* evloop.c: the book's event loop (see evloop.h for the contract).
 *
 * The whole design in one paragraph: a table indexed by descriptor says
 * who to call for which events; epoll tells us which descriptors are
 * ready; a scan of the (few) timers tells us how long epoll may sleep.
 * One turn of the loop is: sleep in epoll_wait() until the first timer is
 * due or a descriptor is ready, call the callbacks of the ready
 * descriptors, call the callbacks of the due timers, repeat.  There is no
 * lock anywhere, because only one thread ever touches these structures;
 * other threads get in through an eventfd (el_notify). */
#define _GNU_SOURCE
#include "evloop.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* Events taken from the kernel per epoll_wait().  More ready descriptors
 * than this are not lost: epoll is level-triggered here, so the rest are
 * reported again on the next turn. */
#define EL_MAX_EVENTS 512

// [snippet loop_struct]
struct el_watcher {
    unsigned events;   /* EL_READ | EL_WRITE, or 0: not in epoll */
    el_io_fn *fn;
    void *data;
};

struct el_loop {
    int ep;                       /* the epoll descriptor */
    int stopping;                 /* el_stop() was called */
    struct el_watcher *watchers;  /* indexed by fd, like ae.c's events[] */
    size_t nwatchers;             /* length of that table */
    size_t active;                /* watchers with events != 0 */
    struct el_timer **timers;     /* the active timers, in no order */
    size_t ntimers, timers_cap;
    uint64_t timer_seq;           /* start order, to break ties */
    struct epoll_event ready[EL_MAX_EVENTS];
};
// [end loop_struct]

double el_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct el_loop *el_loop_new(void)
{
    struct el_loop *loop = calloc(1, sizeof *loop);
    if (!loop)
        return NULL;
    loop->ep = epoll_create1(EPOLL_CLOEXEC);
    if (loop->ep < 0) {
        free(loop);
        return NULL;
    }
    return loop;
}

void el_loop_free(struct el_loop *loop)
{
    if (!loop)
        return;
    for (size_t i = 0; i < loop->ntimers; i++)
        loop->timers[i]->slot = 0; /* the caller may look at them later */
    close(loop->ep);
    free(loop->watchers);
    free(loop->timers);
    free(loop);
}

void el_stop(struct el_loop *loop)
{
    loop->stopping = 1;
}

/* ---- descriptor watchers --------------------------------------------- */

/* Grow the table so that watchers[fd] exists.  Descriptors are small
 * integers handed out lowest-first, so a plain array indexed by fd is
 * both the simplest and the fastest map from fd to watcher. */
static int reserve(struct el_loop *loop, int fd)
{
    if ((size_t)fd < loop->nwatchers)
        return 0;
    size_t n = loop->nwatchers ? loop->nwatchers : 64;
    while (n <= (size_t)fd)
        n *= 2;
    struct el_watcher *w = realloc(loop->watchers, n * sizeof *w);
    if (!w)
        return -1;
    memset(w + loop->nwatchers, 0, (n - loop->nwatchers) * sizeof *w);
    loop->watchers = w;
    loop->nwatchers = n;
    return 0;
}

// [snippet epoll_update]
/* Tell epoll about a change of interest from `old` to `new` events.  A
 * paused watcher (0 events) is taken out of epoll altogether: epoll
 * reports errors and hang-ups even when no event is asked for, and a
 * level-triggered hang-up nobody reads would wake us forever. */
static int epoll_update(struct el_loop *loop, int fd, unsigned old,
                        unsigned new)
{
    struct epoll_event ev = { .data.fd = fd };
    ev.events = (new & EL_READ ? EPOLLIN : 0) | (new & EL_WRITE ? EPOLLOUT : 0);
    if (!new)
        return old ? epoll_ctl(loop->ep, EPOLL_CTL_DEL, fd, NULL) : 0;
    /* No retry with the other operation when this fails.  ENOENT from
     * MOD means the fd was closed without el_unwatch() and its number
     * reused.  Re-adding would hide a worse bug: epoll keys a
     * registration on the number *and* the open file, and drops it only
     * when every descriptor of that file is closed (epoll(7), "Will
     * closing a file descriptor...").  After a dup() or a fork() the old
     * socket stays registered under this number, keeps being reported
     * to the new watcher, and no epoll_ctl() on the number can reach it.
     * Hence the rule: unwatch before close. */
    return epoll_ctl(loop->ep, old ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}
// [end epoll_update]

// [snippet watch]
int el_watch(struct el_loop *loop, int fd, unsigned events, el_io_fn *fn,
             void *data)
{
    if (fd < 0 || !fn) {
        errno = EBADF;
        return -1;
    }
    if (reserve(loop, fd) != 0)
        return -1;
    struct el_watcher *w = &loop->watchers[fd];
    events &= EL_READ | EL_WRITE;
    if (epoll_update(loop, fd, w->events, events) != 0)
        return -1;
    loop->active += (events != 0) - (w->events != 0);
    *w = (struct el_watcher){ events, fn, data };
    return 0;
}

int el_set_events(struct el_loop *loop, int fd, unsigned events)
{
    if (fd < 0 || (size_t)fd >= loop->nwatchers || !loop->watchers[fd].fn) {
        errno = EBADF;
        return -1;
    }
    struct el_watcher *w = &loop->watchers[fd];
    return el_watch(loop, fd, events, w->fn, w->data);
}

void el_unwatch(struct el_loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->nwatchers || !loop->watchers[fd].fn)
        return;
    struct el_watcher *w = &loop->watchers[fd];
    epoll_update(loop, fd, w->events, 0);
    loop->active -= w->events != 0;
    *w = (struct el_watcher){ 0 };
}
// [end watch]

unsigned el_events(const struct el_loop *loop, int fd)
{
    if (fd < 0 || (size_t)fd >= loop->nwatchers)
        return 0;
    return loop->watchers[fd].events;
}

/* ---- timers: an unsorted array, scanned -------------------------------- */

// [snippet timer_list]
/* The active timers sit in an array in no particular order, and each one
 * remembers its slot (index + 1; 0 when inactive), so stopping a timer
 * needs no search.  Finding the one due first scans them all, O(n), once
 * per turn and once per timer fired, as Redis's ae.c does with its list
 * ("O(N) since time events are unsorted").  That is fine for the timers
 * the book's programs start: a sampler, a 0 ms yield, a deadline per
 * connection of a test server.  A loop with a timer on each of thousands
 * of connections wants a binary min-heap (libuv has one); building it is
 * exercise 4.1, which is why the library does not contain one. */
static int earlier(const struct el_timer *a, const struct el_timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

/* The timer due first, ties going to the one started first; NULL if none. */
static struct el_timer *first_due(const struct el_loop *loop)
{
    struct el_timer *first = NULL;
    for (size_t i = 0; i < loop->ntimers; i++)
        if (!first || earlier(loop->timers[i], first))
            first = loop->timers[i];
    return first;
}

static int timers_add(struct el_loop *loop, struct el_timer *t)
{
    if (loop->ntimers == loop->timers_cap) {
        size_t cap = loop->timers_cap ? 2 * loop->timers_cap : 16;
        struct el_timer **a = realloc(loop->timers, cap * sizeof *a);
        if (!a)
            return -1;
        loop->timers = a;
        loop->timers_cap = cap;
    }
    loop->timers[loop->ntimers++] = t;
    t->slot = loop->ntimers;
    return 0;
}

/* Take t out: the last timer moves into its slot.  The order of the
 * array means nothing, so nothing else has to move. */
static void timers_remove(struct el_loop *loop, struct el_timer *t)
{
    struct el_timer *last = loop->timers[--loop->ntimers];
    loop->timers[t->slot - 1] = last;
    last->slot = t->slot;
    t->slot = 0; /* after `last`'s: t may be the last one */
}
// [end timer_list]

// [snippet timer_api]
int el_timer_start(struct el_loop *loop, struct el_timer *t, double after_ms,
                   double repeat_ms, el_timer_fn *fn, void *data)
{
    el_timer_stop(loop, t);
    t->due = el_now() + (after_ms > 0 ? after_ms : 0);
    t->repeat = repeat_ms > 0 ? repeat_ms : 0;
    t->fn = fn;
    t->data = data;
    t->seq = ++loop->timer_seq;
    return timers_add(loop, t);
}

void el_timer_stop(struct el_loop *loop, struct el_timer *t)
{
    /* Check that the slot really holds t: a zeroed or foreign timer is
     * left alone instead of corrupting the array. */
    if (t->slot && t->slot <= loop->ntimers && loop->timers[t->slot - 1] == t)
        timers_remove(loop, t);
}
// [end timer_api]

// [snippet run_timers]
/* Call every timer that is due.  Only timers started before this pass
 * began may fire in it (seq <= last): a callback that starts a 0 ms
 * timer, or a repeating timer with a tiny period, cannot keep this pass
 * going forever and starve the descriptors. */
static int run_timers(struct el_loop *loop)
{
    uint64_t last = loop->timer_seq;
    double now = el_now();
    int fired = 0;
    struct el_timer *t;
    while (!loop->stopping && (t = first_due(loop)) && t->due <= now &&
           t->seq <= last) {
        if (t->repeat > 0) { /* re-arm before the call, which may stop it */
            t->due += t->repeat;
            if (t->due <= now) /* fell behind: skip, do not burst */
                t->due = now + t->repeat;
            t->seq = ++loop->timer_seq; /* so it waits for the next pass */
        } else {
            timers_remove(loop, t);
        }
        t->fn(loop, t, t->data);
        fired++;
    }
    return fired;
}

/* How long epoll_wait() may sleep: until the first timer is due (rounded
 * up, so we never wake too early and spin), or forever if there is none. */
static int wait_ms(const struct el_loop *loop)
{
    if (loop->stopping)
        return 0;
    const struct el_timer *t = first_due(loop);
    if (!t)
        return -1;
    double ms = ceil(t->due - el_now());
    return ms <= 0 ? 0 : ms >= INT_MAX ? INT_MAX : (int)ms;
}
// [end run_timers]

/* ---- running ---------------------------------------------------------- */

// [snippet run_once]
int el_run_once(struct el_loop *loop, int may_block)
{
    if (!loop->active && !loop->ntimers)
        return 0; /* nothing could ever wake us */
    int n = epoll_wait(loop->ep, loop->ready, EL_MAX_EVENTS,
                       may_block ? wait_ms(loop) : 0);
    if (n < 0 && errno != EINTR)
        return -1;
    int calls = 0;
    for (int i = 0; i < n && !loop->stopping; i++) {
        int fd = loop->ready[i].data.fd;
        unsigned got = loop->ready[i].events, ready = 0;
        if (got & (EPOLLERR | EPOLLHUP))
            ready = EL_READ | EL_WRITE; /* let read()/write() see the error */
        ready |= (got & EPOLLIN ? EL_READ : 0) | (got & EPOLLOUT ? EL_WRITE : 0);
        /* Look the watcher up now, not before the batch: an earlier
         * callback in this batch may have unwatched or changed it. */
        struct el_watcher *w = (size_t)fd < loop->nwatchers ? &loop->watchers[fd] : NULL;
        if (!w || !(ready &= w->events))
            continue;
        w->fn(loop, fd, ready, w->data);
        calls++;
    }
    return calls + run_timers(loop);
}

int el_run(struct el_loop *loop)
{
    int rc = 0;
    while (!loop->stopping && (loop->active || loop->ntimers))
        if (el_run_once(loop, 1) < 0) {
            rc = -1;
            break;
        }
    loop->stopping = 0; /* the next el_run() starts afresh */
    return rc;
}
// [end run_once]

/* ---- notifiers -------------------------------------------------------- */

// [snippet notify]
/* An eventfd is a kernel counter behind a descriptor: write() adds to it,
 * read() returns the total and resets it to zero, and the descriptor is
 * readable while the total is not zero.  That makes it a doorbell that
 * any thread may ring, with one system call and no lock. */
static void on_notify(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct el_notify *n = data;
    uint64_t count;
    (void)events;
    if (read(fd, &count, sizeof count) != sizeof count)
        return; /* EAGAIN: somebody else already drained it */
    n->fn(loop, n, n->data);
}

int el_notify_init(struct el_loop *loop, struct el_notify *n, el_notify_fn *fn,
                   void *data)
{
    n->fn = fn;
    n->data = data;
    n->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (n->fd < 0)
        return -1;
    if (el_watch(loop, n->fd, EL_READ, on_notify, n) != 0) {
        close(n->fd);
        n->fd = -1;
        return -1;
    }
    return 0;
}

void el_notify_send(struct el_notify *n)
{
    uint64_t one = 1;
    int saved = errno; /* a signal handler must leave errno as it found it */
    /* Only fails (EAGAIN) if the counter is about to overflow, and then
     * the loop has a wake-up pending anyway. */
    (void)!write(n->fd, &one, sizeof one);
    errno = saved;
}
// [end notify]

void el_notify_close(struct el_loop *loop, struct el_notify *n)
{
    if (n->fd < 0)
        return;
    el_unwatch(loop, n->fd);
    close(n->fd);
    n->fd = -1;
}
