/* prime_threads.h: exercise 3.1, count primes with threads.
 *
 * Count the primes in [lo, hi) with several threads that share the work.
 * is_prime() and count_primes() from primes.h do the arithmetic; your part
 * is to split the range, start the threads, collect what each found and
 * join them all.
 *
 * Splitting the range into equal parts is correct but slow: large numbers
 * cost more to test than small ones, so the thread with the top part
 * finishes last while the others sit idle.  Hand out small chunks from a
 * shared counter instead (chapter 3 shows how), or interleave the numbers.
 * Two threads on two cores should finish in about half the time. */
#ifndef PRIME_THREADS_H
#define PRIME_THREADS_H

#include <stdint.h>

enum { PT_MAX_THREADS = 64 };

/* Return the number of primes p with lo <= p < hi, counted by exactly
 * `nthreads` threads that you create (1 <= nthreads <= PT_MAX_THREADS).
 * Store in per_thread[i] how many of those primes thread i found, for
 * every i < nthreads, so that the entries add up to the result (a thread
 * that found none stores 0).  Join every thread before returning.  An
 * empty range (lo >= hi) gives 0.  No data races: the race check runs your
 * code under ThreadSanitizer. */
long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[]);

#endif
