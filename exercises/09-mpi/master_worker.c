/* Exercise 9.1: see master_worker.h for the contract, chapter 9 for the
 * idea.  Check your work with: make check EX=09-mpi/master_worker */
#include "master_worker.h"

#include "primes.h"
#include "todo.h"

#include <mpi.h>

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk)
{
    (void)lo;
    (void)hi;
    (void)chunk;
    TODO("rank 0 hands out chunks on request and counts pieces in between; "
         "the other ranks ask, count and report until told to stop");
}
