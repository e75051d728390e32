/* Exercise 9.2: see prime_gaps.h for the contract, chapter 9 for the
 * idea.  Check your work with: make check EX=09-mpi/prime_gaps */
#include "prime_gaps.h"

#include "primes.h"
#include "todo.h"

#include <mpi.h>

void mpi_prime_gaps(uint64_t lo, uint64_t hi, long hist[GAP_BINS])
{
    (void)lo;
    (void)hi;
    (void)hist;
    TODO("broadcast the range, histogram your block, gather the blocks' "
         "first and last primes, and reduce the histograms on rank 0");
}
