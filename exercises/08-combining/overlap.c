/* Exercise 8.1: see overlap.h for the contract, chapter 8 for the idea
 * (pipeline.h in chapters/08-combining is a close cousin).  Check your
 * work with:
 *     make check EX=08-combining/overlap */
#include "overlap.h"

#include "evloop.h"
#include "net.h"
#include "primes.h"
#include "todo.h"

int overlap_run(int port, const char *const *requests, int n, int conns,
                int workers, long *counts)
{
    (void)port, (void)requests, (void)n, (void)conns, (void)workers, (void)counts;
    TODO("fetch every item and count its primes, the two overlapping");
}
