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
 * finish cleanly (it crashed, say); even then, wait for every child.
 *
 * How it is judged for speed (the `speedup` test): on an uneven range of
 * 2,000,000 numbers with 10,000-number chunks, it runs beside two
 * reference versions on the same number of workers, a static split and
 * dynamic chunks, in interleaved rounds.  If dynamic chunks are G times
 * faster than the static split there and then, yours must be at least
 * 1 + (G - 1) / 2 times faster than the static split: it must win at
 * least half of what dynamic chunks win.  When G is under 1.10 the
 * machine is too busy to tell, and the test skips as inconclusive. */
long count_primes_shared(uint64_t lo, uint64_t hi, int nprocs,
                         uint64_t chunk);

#endif
