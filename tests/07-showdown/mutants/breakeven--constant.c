/* Mutant of exercise 7.1: the break-even as a hard-coded constant.  It
 * even runs the pool once, for show, and then returns the size that was
 * right on its author's machine for the cheap task.  When a unit of work
 * costs 20 times more the crossing moves 20 times lower, and the constant
 * stays put.
 * must fail: timing/follows_the_cost_of_a_task */
#include "breakeven.h"

static long nothing(long i, const void *arg)
{
    (void)i, (void)arg;
    return 0;
}

long find_break_even(be_task *task, int ntasks, int workers, long max_size)
{
    (void)task;
    farm_run(FARM_PROCESSES, workers, ntasks, nothing, NULL, NULL);
    return max_size < 4 ? -1 : 30000; /* "measured once, on my laptop" */
}
