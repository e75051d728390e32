/* evloop.h: the book's event loop, built in chapter 4.
 *
 * One thread, one epoll descriptor, and three kinds of things to wait for:
 *
 *   - descriptor watchers: "call fn when fd is readable and/or writable";
 *   - timers: "call fn in 50 ms" (once, or every 50 ms after that);
 *   - notifiers: the one way in for *other* threads (and signal handlers):
 *     "wake the loop and call fn on the loop's thread".
 *
 * It is written in the spirit of Redis's ae.c: a few hundred lines, plain
 * structs, no hidden threads.  Chapters 5 to 7 reuse it.
 *
 * Rules that hold everywhere:
 *   - Every function except el_notify_send() must be called from the
 *     thread that runs the loop (or before el_run() starts).  The loop
 *     takes no locks; that is the point of it.
 *   - Callbacks run one at a time, to completion, on the loop's thread.
 *     A callback that blocks or computes for long stalls every other
 *     watcher and timer: nothing can interrupt it.
 *   - Watchers are level-triggered, like poll(): a readable descriptor
 *     keeps being reported until it is drained or unwatched.  Use
 *     non-blocking descriptors, and treat EAGAIN as "not yet": a callback
 *     may occasionally be called with nothing to do.
 *   - The loop never closes a descriptor it did not create.  Unwatch a
 *     descriptor *before* closing it: epoll forgets a registration only
 *     when every copy of the file (dup(), fork()) is closed, and until
 *     then reports it under the number, whatever the number names now.
 *     A number closed while watched and then reused is refused by
 *     el_watch() (ENOENT) until it is el_unwatch()ed.
 *   - Times are milliseconds on CLOCK_MONOTONIC (see el_now()). */
#ifndef BOOK_EVLOOP_H
#define BOOK_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

struct el_loop; /* opaque: made by el_loop_new() */

/* ---- the loop ------------------------------------------------------- */

struct el_loop *el_loop_new(void); /* NULL (errno set) on failure */

/* Free the loop and its epoll descriptor.  Watched descriptors stay
 * open (they are the caller's); active timers are marked inactive. */
void el_loop_free(struct el_loop *loop);

/* Run until el_stop() is called or nothing is left to wait for (no
 * descriptor watched for any event, no active timer, no notifier).
 * Returns 0, or -1 with errno set if epoll_wait() fails. */
int el_run(struct el_loop *loop);

/* One turn of the loop: wait for events (up to the next timer when
 * `may_block`, not at all otherwise), run their callbacks, then run the
 * timers that are due.  Returns the number of callbacks run, or -1. */
int el_run_once(struct el_loop *loop, int may_block);

/* Ask el_run() to return once the current callback has returned.  A stop
 * requested while el_run() is not running makes the next el_run() return
 * at once.  Loop thread only: from another thread, send a notifier whose
 * callback calls el_stop(). */
void el_stop(struct el_loop *loop);

/* Milliseconds on CLOCK_MONOTONIC: the clock that timers use. */
double el_now(void);

/* ---- descriptor watchers -------------------------------------------- */

enum { EL_READ = 1u, EL_WRITE = 2u };

/* `events` is the subset of EL_READ | EL_WRITE that is ready.  An error or
 * a hang-up on fd is reported as ready for every event being watched, so
 * that the read() or write() that follows sees the error. */
typedef void el_io_fn(struct el_loop *loop, int fd, unsigned events,
                      void *data);

/* Watch fd for `events` (EL_READ, EL_WRITE, both, or 0 to pause) and call
 * fn(loop, fd, ready, data) when some are ready.  Watching an fd that is
 * already watched replaces its events, fn and data.  Returns 0, or -1
 * with errno set. */
int el_watch(struct el_loop *loop, int fd, unsigned events, el_io_fn *fn,
             void *data);

/* Change only the events of a watched fd (fn and data stay): the usual
 * way to start and stop waiting for EL_WRITE as an output buffer fills
 * and drains.  Returns 0, or -1 (errno EBADF if fd is not watched). */
int el_set_events(struct el_loop *loop, int fd, unsigned events);

/* The events fd is watched for; 0 when paused or not watched. */
unsigned el_events(const struct el_loop *loop, int fd);

/* Stop watching fd (it stays open).  Safe on an fd that is not watched,
 * and from inside fd's own callback. */
void el_unwatch(struct el_loop *loop, int fd);

/* ---- timers ---------------------------------------------------------- */

struct el_timer;
typedef void el_timer_fn(struct el_loop *loop, struct el_timer *t,
                         void *data);

/* The caller owns the struct (embed it in per-connection state; no
 * allocation per timer) and must keep it alive while it is active.  A
 * zeroed struct is a valid inactive timer.  Read the fields, never write
 * them: the loop's list of timers points at the struct. */
struct el_timer {
    double due;         /* when it fires next, on el_now()'s clock */
    double repeat;      /* period in ms; 0 for a one-shot timer */
    el_timer_fn *fn;
    void *data;
    uint64_t seq;       /* start order: equal due times fire first-in, first-out */
    size_t slot;        /* place in the loop's list, from 1; 0: inactive */
};

/* Call fn(loop, t, data) after `after_ms` ms (<= 0: on the next turn of
 * the loop), then every `repeat_ms` ms if that is > 0.  Restarts t if it
 * is active.  A repeating timer that falls behind skips the ticks it
 * missed rather than firing them in a burst.  Timers due at the same time
 * fire in the order they were started.  Returns 0, or -1 (out of memory).
 * A timer started from a timer callback never runs in the same turn, so a
 * 0 ms timer is a way to yield to the other callbacks.  Each turn of the
 * loop scans every active timer, O(n): fine for the few timers a program
 * keeps, slow for tens of thousands (those need a heap: exercise 4.1). */
int el_timer_start(struct el_loop *loop, struct el_timer *t, double after_ms,
                   double repeat_ms, el_timer_fn *fn, void *data);

/* Cancel t.  Safe on an inactive timer and from inside t's own callback
 * (which is how a repeating timer stops itself). */
void el_timer_stop(struct el_loop *loop, struct el_timer *t);

static inline int el_timer_active(const struct el_timer *t)
{
    return t->slot != 0;
}

/* ---- notifiers: waking the loop from another thread ------------------- */

struct el_notify;
typedef void el_notify_fn(struct el_loop *loop, struct el_notify *n,
                          void *data);

/* An eventfd watched by the loop.  Sends from any thread (or a signal
 * handler) wake the loop, which then calls fn on its own thread.  Sends
 * coalesce: ten sends before the loop wakes give one call, so pass the
 * data itself through a queue of your own and use the notifier only as
 * the doorbell.  An open notifier keeps el_run() running. */
struct el_notify {
    int fd; /* the eventfd; -1 once closed */
    el_notify_fn *fn;
    void *data;
};

/* Returns 0, or -1 with errno set. */
int el_notify_init(struct el_loop *loop, struct el_notify *n, el_notify_fn *fn,
                   void *data);

/* Ring the doorbell.  Any thread, async-signal-safe, never blocks. */
void el_notify_send(struct el_notify *n);

/* Unwatch and close the eventfd (loop thread; no send may race with it). */
void el_notify_close(struct el_loop *loop, struct el_notify *n);

#endif
