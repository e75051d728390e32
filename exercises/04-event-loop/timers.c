/* Exercise 4.1: see timers.h for the contract, chapter 4 for the idea
 * (lib/evloop.c scans an unsorted list of its few timers: far too slow
 * for the tests' 200,000).  Check your work with:
 * make check EX=04-event-loop/timers */
#include "timers.h"

#include "todo.h"

#include <stdlib.h>

struct timers {
    int todo; /* yours: e.g. an array of timer pointers used as a heap */
};

struct timers *timers_new(void)
{
    TODO("allocate an empty queue");
}

void timers_free(struct timers *q)
{
    (void)q;
    TODO("mark the timers still queued inactive, then free the queue");
}

int timer_start(struct timers *q, struct timer *t, double now, double after,
                double period, timer_fn *fn, void *arg)
{
    (void)q, (void)t, (void)now, (void)after, (void)period, (void)fn, (void)arg;
    TODO("stop t if it is active, fill in its fields, insert it in order");
}

void timer_stop(struct timers *q, struct timer *t)
{
    (void)q, (void)t;
    TODO("take t out of the queue if it is in it");
}

int timer_active(const struct timer *t)
{
    (void)t;
    TODO("is t in a queue?");
}

size_t timers_count(const struct timers *q)
{
    (void)q;
    TODO("how many timers are queued");
}

double timers_next(const struct timers *q, double now)
{
    (void)q, (void)now;
    TODO("ms until the first timer is due, 0 if it is, -1 if there is none");
}

int timers_run(struct timers *q, double now)
{
    (void)q, (void)now;
    TODO("pop and call every due timer, re-arming the repeating ones first");
}
