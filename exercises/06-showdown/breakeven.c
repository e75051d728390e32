/* breakeven.c: exercise 6.1 (see breakeven.h for the contract). */
#include "breakeven.h"

#include "timing.h"
#include "todo.h"

long find_break_even(be_task *task, int ntasks, int workers, long max_size)
{
    (void)task, (void)ntasks, (void)workers, (void)max_size;
    TODO("time ntasks calls of task(size) in a loop and on farm_run(FARM_PROCESSES, ...); "
         "double the size until the pool wins, then narrow it down");
}
