/* breakeven.c: exercise 7.1, reference solution.
 *
 * Double the size until the pool wins, then narrow the interval down by
 * bisection on a log scale.  Each verdict ("does the pool win at this
 * size?") compares the medians of three runs of each, taken in turns, so
 * that one slow fork or one preempted loop does not decide it. */
#include "breakeven.h"

#include "timing.h"

#include <math.h>

struct batch {
    be_task *task;
    long size;
};

static long one_task(long i, const void *arg)
{
    const struct batch *b = arg;
    (void)i;
    return b->task(b->size);
}

static volatile long sink; /* the sequential results go somewhere */

static double sequential_s(const struct batch *b, int ntasks)
{
    double t0 = now_s();
    long sum = 0;
    for (int i = 0; i < ntasks; i++)
        sum += b->task(b->size);
    sink = sum;
    return now_s() - t0;
}

static double pool_s(const struct batch *b, int ntasks, int workers)
{
    double t0 = now_s();
    long sum = farm_run(FARM_PROCESSES, workers, ntasks, one_task, b, NULL);
    double t = now_s() - t0;
    sink = sum;
    return sum < 0 ? INFINITY : t; /* a pool that failed did not win */
}

static int pool_wins(be_task *task, long size, int ntasks, int workers)
{
    struct batch b = { task, size };
    double seq[3], pool[3];
    for (int r = 0; r < 3; r++) {
        if (r % 2) {
            pool[r] = pool_s(&b, ntasks, workers);
            seq[r] = sequential_s(&b, ntasks);
        } else {
            seq[r] = sequential_s(&b, ntasks);
            pool[r] = pool_s(&b, ntasks, workers);
        }
    }
    return median(pool, 3) < median(seq, 3);
}

long find_break_even(be_task *task, int ntasks, int workers, long max_size)
{
    long lose = 0, win = 1; /* lose: a size where the pool lost (0: none yet) */
    for (;;) {
        if (win > max_size)
            win = max_size;
        if (pool_wins(task, win, ntasks, workers))
            break;
        if (win == max_size)
            return -1;
        lose = win;
        win *= 2;
    }
    while (lose > 0 && win - lose > 1 && win > lose + lose / 4) { /* within 25% */
        long mid = (long)sqrt((double)lose * (double)win);
        mid = mid <= lose ? lose + 1 : mid >= win ? win - 1 : mid;
        if (pool_wins(task, mid, ntasks, workers))
            win = mid;
        else
            lose = mid;
    }
    return win;
}
