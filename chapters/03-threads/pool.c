/* pool.c: a fixed pool of worker threads fed through the bounded queue.
 * The main thread cuts a prime count into tasks, submits them, waits on
 * a countdown of unfinished tasks, and stops the workers with one poison
 * pill each.  The same tasks run on 1 worker and on one per core. */
#include "primes.h"
#include "ring_queue.h"
#include "timing.h"

#include <stdio.h>

struct task {
    uint64_t lo, hi;
    long count;        /* the result, written by the worker */
    struct latch *done;
};

// [snippet latch]
/* A countdown: wait_zero() sleeps until count_down() has been called
 * as many times as `left` said. */
struct latch {
    pthread_mutex_t lock;
    pthread_cond_t zero;
    long left;
};

static void count_down(struct latch *l)
{
    pthread_mutex_lock(&l->lock);
    if (--l->left == 0)
        pthread_cond_broadcast(&l->zero);
    pthread_mutex_unlock(&l->lock);
}

static void wait_zero(struct latch *l)
{
    pthread_mutex_lock(&l->lock);
    while (l->left > 0)
        pthread_cond_wait(&l->zero, &l->lock);
    pthread_mutex_unlock(&l->lock);
}
// [end latch]

// [snippet worker]
static void *worker(void *arg)
{
    struct ring_queue *q = arg;
    struct task *t;
    while ((t = rq_get(q)) != NULL) { /* sleeps while there is no task */
        t->count = count_primes(t->lo, t->hi);
        count_down(t->done);
    }
    return NULL;
}
// [end worker]

static double run_pool(int workers, struct task *tasks, int ntasks, long *total)
{
    struct ring_queue q;
    struct latch done = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, ntasks };
    pthread_t tid[64];
    rq_init(&q, 16);
    double t0 = now_s();
    for (int i = 0; i < workers; i++)
        pthread_create(&tid[i], NULL, worker, &q);
    for (int i = 0; i < ntasks; i++) {
        tasks[i].done = &done;
        rq_put(&q, &tasks[i]); /* blocks while 16 tasks are waiting */
    }
    wait_zero(&done);
    double t = now_s() - t0;
    for (int i = 0; i < workers; i++)
        rq_put(&q, NULL);      /* a poison pill per worker */
    for (int i = 0; i < workers; i++)
        pthread_join(tid[i], NULL);
    rq_destroy(&q);
    *total = 0;
    for (int i = 0; i < ntasks; i++)
        *total += tasks[i].count;
    return t;
}

int main(void)
{
    enum { TASKS = 200 };
    static struct task tasks[TASKS];
    uint64_t n = quick_mode() ? 400000 : 4000000;
    for (int i = 0; i < TASKS; i++)
        tasks[i] = (struct task){ .lo = n / TASKS * i, .hi = n / TASKS * (i + 1) };
    int cores = usable_cores() < 64 ? usable_cores() : 64;
    long total;
    double one = run_pool(1, tasks, TASKS, &total);
    printf("1 worker:  %d tasks, %ld primes below %lu, %.3f s\n", TASKS,
           total, (unsigned long)n, one);
    double all = run_pool(cores, tasks, TASKS, &total);
    printf("%d workers: %d tasks, %ld primes below %lu, %.3f s (%.2fx)\n",
           cores, TASKS, total, (unsigned long)n, all, one / all);
    return 0;
}
