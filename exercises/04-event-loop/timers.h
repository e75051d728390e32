/* timers.h: exercise 4.1, the timer part of an event loop.
 *
 * An event loop sleeps in poll() or epoll_wait() until a descriptor is
 * ready or the first timer is due, so it asks its timers two questions:
 * "how long may I sleep?" (timers_next) and "run the ones that are due"
 * (timers_run).  Write that part: a queue of timers ordered by due time,
 * in which any timer can be cancelled at any moment.  A binary min-heap
 * (chapter 4) makes every operation O(log n); the tests start 200,000
 * timers, so a sorted list is too slow.
 *
 * Time is passed in, never read from a clock: `now` is milliseconds on
 * any clock that never goes backwards.  The tests use a fake clock to
 * check the exact order, then a real clock and poll() to check that a
 * loop built on your timers sleeps until they are due.
 *
 *     while (timers_count(q) > 0) {      // a loop with timers only
 *         double ms = timers_next(q, clock_ms());
 *         poll(fds, nfds, ms < 0 ? -1 : (int)ceil(ms));
 *         timers_run(q, clock_ms());
 *     } */
#ifndef TIMERS_H
#define TIMERS_H

#include <stddef.h>

struct timer;
typedef void timer_fn(struct timer *t, void *arg);

/* The caller owns each struct timer and keeps it alive while it is
 * active.  A zeroed struct is an inactive timer.  timer_start() sets due,
 * period, fn and arg; the last two fields are yours, for bookkeeping. */
struct timer {
    double due;             /* when it fires next (ms, the caller's clock) */
    double period;          /* 0: fires once; > 0: every `period` ms */
    timer_fn *fn;
    void *arg;
    size_t slot;            /* yours: e.g. its place in the heap, 0 when inactive */
    unsigned long long seq; /* yours: e.g. the order it was started in */
};

struct timers; /* yours: define it in timers.c */

/* A new, empty queue, or NULL when out of memory. */
struct timers *timers_new(void);

/* Free the queue.  Timers still in it become inactive and are not called. */
void timers_free(struct timers *q);

/* Arm t to fire at now + after (a negative `after` counts as 0), and then
 * every `period` ms if period > 0.  If t is already active it is moved,
 * not added twice.  Returns 0, or -1 when out of memory. */
int timer_start(struct timers *q, struct timer *t, double now, double after,
                double period, timer_fn *fn, void *arg);

/* Cancel t: it will not fire.  Safe on an inactive or zeroed timer, and
 * from inside any callback, t's own included (that is how a repeating
 * timer stops itself). */
void timer_stop(struct timers *q, struct timer *t);

/* 1 while t waits in a queue to fire, 0 otherwise.  A one-shot timer is
 * inactive during its own callback; a repeating one is active (it was
 * re-armed before the call). */
int timer_active(const struct timer *t);

/* The number of active timers in q. */
size_t timers_count(const struct timers *q);

/* How long a loop may sleep: the ms from `now` until the first timer is
 * due, 0 if one is due already, -1 if q is empty (sleep until a
 * descriptor is ready). */
double timers_next(const struct timers *q, double now);

/* Run every timer with due <= now: earliest due first, and timers due at
 * the same time in the order they were started (or last restarted).
 *   - A repeating timer is re-armed before its callback runs, to
 *     due + period, or to now + period if that is not later than now:
 *     missed ticks are skipped, never run in a burst.
 *   - A timer started or re-armed during this call waits for the next
 *     call, even if it is due: a callback that starts a 0 ms timer must
 *     not keep timers_run() going forever.
 *   - Callbacks may start and stop any timer.
 * Returns the number of callbacks run. */
int timers_run(struct timers *q, double now);

#endif
