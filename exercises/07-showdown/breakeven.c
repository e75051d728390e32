/* breakeven.c: exercise 7.1 (see breakeven.h for the contract). */
#include "breakeven.h"

#include "timing.h"
#include "todo.h"

long find_break_even(be_task *task, int ntasks, int workers, long max_size)
{
    (void)task, (void)ntasks, (void)workers, (void)max_size;
    TODO("find the smallest task size at which the pool wins, by measuring");
}
