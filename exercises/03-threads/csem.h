/* csem.h: exercise 3.7, a counting semaphore from a mutex and a condition
 * variable.
 *
 * A semaphore is a count of permits.  csem_wait() takes one, sleeping
 * while there are none; csem_post() gives one back and wakes a sleeper.
 * With 3 permits it is a limiter: at most 3 threads between their wait
 * and their post, e.g. at most 3 connections to a server at once.  POSIX
 * has one (sem_t); here you build your own, which is how sem_t is
 * explained in most OS courses.
 *
 * Two bugs to avoid, both tested: a waiter that returns without a permit
 * (it was woken, but another thread took the permit first), and a
 * wake-up that is lost (a permit is posted but a sleeper never hears of
 * it).  Sleeping means a condition variable: waiting threads must use no
 * CPU (the tests measure it). */
#ifndef CSEM_H
#define CSEM_H

struct csem; /* yours: define it in csem.c */

/* A new semaphore holding `permits` permits, or NULL if memory runs out. */
struct csem *csem_create(unsigned permits);

/* Take a permit, sleeping until there is one. */
void csem_wait(struct csem *s);

/* Take a permit and return 0 if there is one; else return -1 at once. */
int csem_trywait(struct csem *s);

/* Give back a permit, waking one thread that waits for it. */
void csem_post(struct csem *s);

/* Free the semaphore.  No thread may be using it any more. */
void csem_destroy(struct csem *s);

/* Every function but csem_destroy() may be called from any number of
 * threads at once. */

#endif
