/* Mutant of exercise 3.1: the library's count_primes_threads() does the
 * work with nthreads threads of its own, and the whole count goes into
 * per_thread[0].  The total is right and the thread count is too, but no
 * thread's count is its own (issue 22).
 * must fail: prime_threads/each_thread_counts_its_own */
#include "prime_threads.h"

#include "primes.h"

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    long total = lo < hi ? count_primes_threads(lo, hi, nthreads, 2000) : 0;
    for (int i = 0; i < nthreads; i++)
        per_thread[i] = 0;
    per_thread[0] = total;
    return total;
}
