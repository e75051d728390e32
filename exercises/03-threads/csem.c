/* Exercise 3.7: see csem.h for the contract, chapter 3 for the idea.
 * Check your work with: make check EX=03-threads/csem */
#include "csem.h"

#include "todo.h"

#include <pthread.h>
#include <stdlib.h>

struct csem {
    int todo; /* a count of permits, a mutex, a condition variable... */
};

struct csem *csem_create(unsigned permits)
{
    (void)permits;
    TODO("allocate the semaphore; set the count; init its mutex and condition");
}

void csem_wait(struct csem *s)
{
    (void)s;
    TODO("lock; while no permit, wait on the condition; take one; unlock");
}

int csem_trywait(struct csem *s)
{
    (void)s;
    TODO("lock; take a permit if there is one; unlock; say whether you did");
}

void csem_post(struct csem *s)
{
    (void)s;
    TODO("lock; add a permit; signal the condition; unlock");
}

void csem_destroy(struct csem *s)
{
    (void)s;
    TODO("destroy the condition and the mutex, free the memory");
}
