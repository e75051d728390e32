/* Mutant of exercise 4.1: sift_down() always follows the left child, so
 * the heap's order breaks and timers fire out of order.
 * must fail: timers/fire_in_due_order, timers/many_timers_are_cheap */
#include "timers.h"

#include <stdlib.h>

struct timers {
    struct timer **heap; /* heap[1..n] */
    size_t n, cap;
    unsigned long long seq;
};

static int earlier(const struct timer *a, const struct timer *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void put(struct timers *q, size_t i, struct timer *t)
{
    q->heap[i] = t;
    t->slot = i;
}

static void sift_up(struct timers *q, size_t i)
{
    struct timer *t = q->heap[i];
    while (i > 1 && earlier(t, q->heap[i / 2])) {
        put(q, i, q->heap[i / 2]);
        i /= 2;
    }
    put(q, i, t);
}

static void sift_down(struct timers *q, size_t i)
{
    struct timer *t = q->heap[i];
    for (;;) {
        size_t c = 2 * i;
        if (c > q->n)
            break;
        /* forgot: if the right child is earlier, follow it instead */
        if (!earlier(q->heap[c], t))
            break;
        put(q, i, q->heap[c]);
        i = c;
    }
    put(q, i, t);
}

static int push(struct timers *q, struct timer *t)
{
    if (q->n + 1 >= q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        struct timer **h = realloc(q->heap, cap * sizeof *h);
        if (!h)
            return -1;
        q->heap = h;
        q->cap = cap;
    }
    t->seq = ++q->seq;
    put(q, ++q->n, t);
    sift_up(q, t->slot);
    return 0;
}

static void remove_at(struct timers *q, struct timer *t)
{
    size_t i = t->slot;
    struct timer *last = q->heap[q->n--];
    t->slot = 0;
    if (last == t)
        return;
    put(q, i, last);
    sift_up(q, i);
    sift_down(q, last->slot);
}

struct timers *timers_new(void)
{
    return calloc(1, sizeof(struct timers));
}

void timers_free(struct timers *q)
{
    if (!q)
        return;
    for (size_t i = 1; i <= q->n; i++)
        q->heap[i]->slot = 0;
    free(q->heap);
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
    return push(q, t);
}

void timer_stop(struct timers *q, struct timer *t)
{
    if (t->slot && t->slot <= q->n && q->heap[t->slot] == t)
        remove_at(q, t);
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
    if (!q->n)
        return -1;
    double ms = q->heap[1]->due - now;
    return ms > 0 ? ms : 0;
}

int timers_run(struct timers *q, double now)
{
    unsigned long long last = q->seq; /* later starts wait for the next call */
    int ran = 0;
    while (q->n) {
        struct timer *t = q->heap[1];
        if (t->due > now || t->seq > last)
            break;
        remove_at(q, t);
        if (t->period > 0) {
            t->due += t->period;
            if (t->due <= now)
                t->due = now + t->period;
            push(q, t); /* cannot fail: a slot was just freed */
        }
        t->fn(t, t->arg);
        ran++;
    }
    return ran;
}
