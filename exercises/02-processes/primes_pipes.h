/* primes_pipes.h: exercise 2.2, counting primes in child processes.
 *
 * A child process has its own copy of memory: a count it computes in a
 * variable stays in the child.  So the answer must travel back through
 * the kernel, and the simplest road is a pipe.  Split [lo, hi) into
 * slices, fork one child per slice, let each child count its slice with
 * count_primes() (primes.h) and write the count into a pipe; the parent
 * reads every count and adds them up. */
#ifndef PRIMES_PIPES_H
#define PRIMES_PIPES_H

#include <stdint.h>

/* The number of primes p with lo <= p < hi (lo <= hi), counted by child
 * processes that run at the same time: fork them all before waiting for
 * any of them.
 *
 * - Fork at most nprocs children (nprocs >= 1).  A range with fewer than
 *   nprocs numbers may use fewer; an empty range may use none.
 * - Each child counts its slice, writes the count to the parent through a
 *   pipe and ends with _exit(): it never returns from this function.
 * - Before returning, wait for every child (leave no zombie) and close
 *   every pipe end the parent holds (leave no open descriptor).
 *
 * Returns the count, or -1 when a child could not be forked or did not
 * deliver its count (it crashed, say); even then, wait for every child
 * that was forked and close every descriptor. */
long count_primes_pipes(uint64_t lo, uint64_t hi, int nprocs);

#endif
