/* Exercise 8.2: see workserver.h for the contract, chapter 8 for the idea
 * (loop_pool.h in chapters/08-combining is the pool-and-doorbell part).
 * Check your work with:
 *     make check EX=08-combining/workserver */
#include "workserver.h"

#include "evloop.h"
#include "todo.h"

#include <pthread.h>

int work_serve(int listen_fd, int stop_fd, int workers)
{
    (void)listen_fd, (void)stop_fd, (void)workers;
    TODO("serve until stop_fd is readable, the heavy requests on `workers` threads");
}
