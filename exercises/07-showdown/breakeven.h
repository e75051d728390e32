/* breakeven.h: exercise 7.1, find the break-even on this machine.
 *
 * A pool of worker processes pays for itself only when its tasks are big
 * enough.  Starting the workers, handing each task over and collecting
 * the results all cost time that a plain loop never spends, so below some
 * task size the pool loses to sequential code, and above it the pool
 * wins.  That size is not a constant to look up: it depends on the
 * machine, on how busy it is, and on what one unit of work costs.  So
 * measure it.
 *
 * The pool is farm_run() from models.h (chapter 7): it starts `workers`
 * processes, runs ntasks tasks on them and stops them, all inside the
 * call, which is exactly the cost a program pays when it starts a pool
 * for one batch of work. */
#ifndef BREAKEVEN_H
#define BREAKEVEN_H

#include "models.h"

/* A task of `size` units of work: its cost grows in proportion to size.
 * It returns a number that depends on the work; add the results up (as
 * farm_run() does), so that no call can be left out. */
typedef long be_task(long size);

/* Return the smallest size s, 1 <= s <= max_size, at which running
 * ntasks calls task(s) on a pool of `workers` processes, with
 * farm_run(FARM_PROCESSES, workers, ntasks, ...), takes less wall time
 * than making the same ntasks calls one after another in this process.
 * Return -1 if the pool does not win even at max_size (on one core it
 * never can).
 *
 * - Measure, do not guess: the tests change what a unit of work costs
 *   between two calls, and your answer must follow it.
 * - The tests measure the same crossing in the same run and accept an
 *   answer within a factor of 3 of theirs, so a factor of 2 in your
 *   search is fine.
 * - Timings are noisy: judge each size on the median of a few runs of
 *   each, taking turns.
 * - Keep it quick: the sandbox stops a search after 30 s and fails it;
 *   aim for well under a second on a quiet machine.  Sizes far below
 *   the crossing are cheap to measure, sizes far above it are not. */
long find_break_even(be_task *task, int ntasks, int workers, long max_size);

#endif
