/* Exercise 3.1: see prime_threads.h for the contract, chapter 3 for the
 * idea.  Check your work with: make check EX=03-threads/prime_threads */
#include "prime_threads.h"

#include "primes.h"
#include "todo.h"

#include <pthread.h>

long count_primes_parallel(uint64_t lo, uint64_t hi, int nthreads,
                           long per_thread[])
{
    (void)lo;
    (void)hi;
    (void)nthreads;
    (void)per_thread;
    TODO("start nthreads threads that share [lo, hi), add up what they "
         "find, join them");
}
