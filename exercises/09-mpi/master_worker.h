/* master_worker.h: exercise 9.1, counting primes on MPI with a master
 * that hands out chunks on demand.
 *
 * Every rank of MPI_COMM_WORLD calls mw_count_primes() with the same
 * arguments, between MPI_Init() and MPI_Finalize() (the caller's job:
 * never call either yourself).
 *
 * Rank 0 is the master.  It cuts [lo, hi) into chunks of `chunk`
 * consecutive numbers (the last one may be shorter) and gives the next
 * chunk to whichever worker asks first, so that a worker that drew cheap
 * numbers simply asks again sooner.  The other ranks are workers: ask for
 * a chunk, count its primes with count_primes() (primes.h), report the
 * count, ask again, until the master says there is nothing left.
 *
 * The master must count too.  The tests run one rank per core, so a
 * master that only waits would leave a core idle: between answers it
 * counts small pieces of its own (MPI_Iprobe says whether a worker is
 * waiting without blocking), and it answers waiting workers before
 * counting the next piece.
 *
 * Return: on rank 0, the number of primes p with lo <= p < hi; on the
 * other ranks, anything.  With one rank, rank 0 counts everything.
 * Before returning, every rank must have received every message sent to
 * it: the tests call the function several times in one job, and a stray
 * message would be read by the next call.  chunk >= 1 and lo <= hi. */
#ifndef MASTER_WORKER_H
#define MASTER_WORKER_H

#include <stdint.h>

long mw_count_primes(uint64_t lo, uint64_t hi, uint64_t chunk);

#endif
