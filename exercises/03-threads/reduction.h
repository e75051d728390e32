/* reduction.h: exercise 3.3, fix a parallel reduction.
 *
 * A reduction folds many values into one: a sum, a count, a maximum.
 * Splitting it over threads looks easy, and reduction.c holds a version
 * a colleague wrote.  It usually prints the right number, and on two
 * cores it is no faster than on one.  It has two bugs, one in each half
 * of that sentence:
 *
 *   - a data race: the threads update one shared total with no
 *     synchronisation, so an update can be lost (rarely: that is what
 *     makes it dangerous);
 *   - false sharing: each thread adds into its own slot of an array, but
 *     the slots sit side by side in one cache line, so every addition
 *     steals the line from the other cores.
 *
 * Fix both, keeping the threads.  mix64() (from mix.h) is the work done
 * per element; it is in another file, so the compiler cannot keep a sum
 * that lives in shared memory in a register across the call for you. */
#ifndef REDUCTION_H
#define REDUCTION_H

#include <stdint.h>

enum { RD_MAX_THREADS = 64 };

/* The sum, modulo 2^64, of mix64(i) for every i with 0 <= i < n, computed
 * by exactly `nthreads` threads (1 <= nthreads <= RD_MAX_THREADS) that
 * each add up a share of the range.  Join every thread before returning.
 * The result must equal the sequential sum for every n and nthreads; two
 * threads on two cores must take about half the time of one; and the race
 * check runs it under ThreadSanitizer. */
uint64_t sum_mix(uint64_t n, int nthreads);

#endif
