/* Exercise 5.3: see offload.h for the contract, chapter 5 for the idea.
 * Check your work with: make check EX=05-libuv/offload */
#include "offload.h"

#include "primes.h"
#include "todo.h"

#include <uv.h>

int offload_serve(int listen_fd, int stop_fd)
{
    (void)listen_fd;
    (void)stop_fd;
    TODO("serve like kv_serve(), but run each PRIMES count with uv_queue_work() "
         "and reply from its after-work callback");
}
