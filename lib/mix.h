/* mix.h: a cheap 64-bit hash, the per-element work of chapter 3's
 * reductions.
 *
 * It lives in its own file on purpose.  A caller in another file sees only
 * a call, so the compiler cannot keep a running sum that sits in shared
 * memory in a register across it: every `sum[i] += mix64(x)` really loads
 * and stores sum[i].  That is how real code behaves when the work is a
 * function from somewhere else, and it is what makes false sharing show. */
#ifndef BOOK_MIX_H
#define BOOK_MIX_H

#include <stdint.h>

/* SplitMix64's finaliser: a bijection on 64-bit values, a few ns a call. */
uint64_t mix64(uint64_t x);

#endif
