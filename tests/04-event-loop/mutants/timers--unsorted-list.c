/* Mutant of exercise 4.1: lib/evloop.c's own timers, moved onto this
 * exercise's contract.  The active timers sit in an array in no order and
 * every question scans them all, so the order, the cancelling and the
 * turn cut-off are right, but 200,000 timers take O(n^2) steps.  It
 * proves that the library, which ships to students, is no answer here.
 * must fail: timers/many_timers_are_cheap */
#include "timers.h"

#include <stdlib.h>

struct timers {
    struct timer **all; /* all[0..n-1], unsorted; a timer's slot is index + 1 */
    size_t n, cap;
    unsigned long long seq;
};

static int earlier(const struct timer *a, const struct timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static struct timer *first_due(const struct timers *q)
{
    struct timer *first = NULL;
    for (size_t i = 0; i < q->n; i++)
        if (!first || earlier(q->all[i], first))
            first = q->all[i];
    return first;
}

static int add(struct timers *q, struct timer *t)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 16;
        struct timer **a = realloc(q->all, cap * sizeof *a);
        if (!a)
            return -1;
        q->all = a;
        q->cap = cap;
    }
    q->all[q->n++] = t;
    t->slot = q->n;
    return 0;
}

static void take_out(struct timers *q, struct timer *t)
{
    struct timer *last = q->all[--q->n];
    q->all[t->slot - 1] = last;
    last->slot = t->slot;
    t->slot = 0;
}

struct timers *timers_new(void)
{
    return calloc(1, sizeof(struct timers));
}

void timers_free(struct timers *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->n; i++)
        q->all[i]->slot = 0;
    free(q->all);
    free(q);
}

int timer_start(struct timers *q, struct timer *t, double now, double after,
                double period, timer_fn *fn, void *arg)
{
    timer_stop(q, t);
    t->due = now + (after > 0 ? after : 0);
    t->period = period > 0 ? period : 0;
    t->fn = fn;
    t->arg = arg;
    t->seq = ++q->seq;
    return add(q, t);
}

void timer_stop(struct timers *q, struct timer *t)
{
    if (t->slot && t->slot <= q->n && q->all[t->slot - 1] == t)
        take_out(q, t);
}

int timer_active(const struct timer *t)
{
    return t->slot != 0;
}

size_t timers_count(const struct timers *q)
{
    return q->n;
}

double timers_next(const struct timers *q, double now)
{
    const struct timer *t = first_due(q);
    if (!t)
        return -1;
    return t->due > now ? t->due - now : 0;
}

int timers_run(struct timers *q, double now)
{
    unsigned long long last = q->seq;
    int ran = 0;
    struct timer *t;
    while ((t = first_due(q)) && t->due <= now && t->seq <= last) {
        if (t->period > 0) {
            t->due += t->period;
            if (t->due <= now)
                t->due = now + t->period;
            t->seq = ++q->seq;
        } else {
            take_out(q, t);
        }
        t->fn(t, t->arg);
        ran++;
    }
    return ran;
}
