/* primes.h: the book's CPU-bound workload.
 *
 * Counting primes by trial division is easy to verify (there are 348,513
 * primes below 5,000,000) and, on purpose, uneven: a large prime costs
 * about sqrt(n)/2 divisions, a small even number costs one.  Later
 * chapters use that unevenness to teach load balancing. */
#ifndef BOOK_PRIMES_H
#define BOOK_PRIMES_H

#include <stdbool.h>
#include <stdint.h>

bool is_prime(uint64_t n);

/* Number of primes p with lo <= p < hi. */
long count_primes(uint64_t lo, uint64_t hi);

/* The same with `nthreads` threads pulling chunks of `chunk` numbers from a
 * shared counter (chapter 3 explains how; chapter 1 only measures it). */
long count_primes_threads(uint64_t lo, uint64_t hi, int nthreads,
                          uint64_t chunk);

#endif
