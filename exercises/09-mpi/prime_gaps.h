/* prime_gaps.h: exercise 9.2, the distribution of gaps between
 * consecutive primes, computed with MPI's collectives.
 *
 * The gap after a prime p is q - p, where q is the next prime.  Between 2
 * and 3 it is 1; after that it is always even, and it grows slowly (the
 * largest gap below 3,000,000 is 148).
 *
 * Every rank of MPI_COMM_WORLD calls mpi_prime_gaps() between MPI_Init()
 * and MPI_Finalize() (never call either yourself).  Only rank 0 is given
 * the range: the other ranks are called with lo = hi = 0 and must learn
 * it from rank 0 (MPI_Bcast).  Each rank then takes one contiguous block
 * of [lo, hi), as equal in length as it can be, and histograms the gaps
 * between consecutive primes inside its block.
 *
 * A gap whose two primes fall in different blocks belongs to no block,
 * yet it must be counted once: collect each block's first and last prime
 * on rank 0 (MPI_Gather) and count the gaps between blocks there.  A
 * block may hold no prime at all (short ranges, many ranks), and then a
 * gap spans it.  Add the histograms up on rank 0 (MPI_Reduce).
 *
 * On rank 0, hist[g] must then hold, for 0 <= g < GAP_BINS - 1, the
 * number of pairs of consecutive primes p < q with lo <= p and q < hi
 * and q - p == g, and hist[GAP_BINS - 1] the number with q - p >=
 * GAP_BINS - 1: exactly what one process would find, for every number
 * of ranks.  On the other ranks hist is scratch space.  lo <= hi. */
#ifndef PRIME_GAPS_H
#define PRIME_GAPS_H

#include <stdint.h>

enum { GAP_BINS = 256 };

void mpi_prime_gaps(uint64_t lo, uint64_t hi, long hist[GAP_BINS]);

#endif
