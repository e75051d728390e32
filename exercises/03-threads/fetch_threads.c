/* Exercise 3.2: see fetch_threads.h for the contract, chapter 3 for the
 * idea.  Check your work with: make check EX=03-threads/fetch_threads */
#include "fetch_threads.h"

#include "todo.h"

#include <pthread.h>

int fetch_threads(int port, const char *const lines[], int n,
                  char (*replies)[SLOW_MAX_LINE], int nthreads)
{
    (void)port;
    (void)lines;
    (void)n;
    (void)replies;
    (void)nthreads;
    TODO("start min(nthreads, n) threads that take requests from a shared "
         "index until none is left, then join them");
}
