/* primes_shared.h: exercise 2.3, shared memory and dynamic chunks.
 *
 * Splitting [0, n) into equal slices does not split the work equally:
 * large numbers cost more divisions than small ones, so the child with
 * the top slice finishes last while the others sit idle.  The cure is to
 * hand out work in small chunks, on demand: each child takes the next
 * chunk from a counter that every child can see, until none is left.
 *
 * Processes do not share memory by default, but they can: memory mapped
 * with mmap(MAP_SHARED | MAP_ANONYMOUS) before fork() is the same memory
 * in the parent and in every child.  Put the counter and the total there,
 * as _Atomic variables (stdatomic.h), which work across processes. */
#ifndef PRIMES_SHARED_H
#define PRIMES_SHARED_H

#include <stdint.h>

/* The number of primes p with lo <= p < hi (lo <= hi), counted by at most
 * nprocs child processes (nprocs >= 1) running at the same time.
 *
 * - The children take chunks of `chunk` numbers (chunk >= 1; the last
 *   one may be shorter) from a shared counter, one chunk at a time, until
 *   the range is used up, and add what they count to a shared total.
 * - Each child ends with _exit(); it never returns from this function.
 * - Before returning, wait for every child, and unmap the shared memory.
 *   Leave no zombie and no open descriptor.
 *
 * Returns the count, or -1 when a child could not be forked or did not
 * finish cleanly (it crashed, say); even then, wait for every child. */
long count_primes_shared(uint64_t lo, uint64_t hi, int nprocs,
                         uint64_t chunk);

#endif
