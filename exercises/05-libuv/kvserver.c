/* Exercise 5.2: see kvserver.h for the contract, chapter 5 for the idea.
 * Check your work with: make check EX=05-libuv/kvserver */
#include "kvserver.h"

#include "todo.h"

#include <uv.h>

int kv_serve(int listen_fd, int stop_fd)
{
    (void)listen_fd;
    (void)stop_fd;
    TODO("adopt listen_fd with uv_tcp_open(), watch stop_fd, run the loop, "
         "close every handle when stop_fd becomes readable");
}
