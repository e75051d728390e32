/* Exercise 6.2: see uring_lineserver.h for the contract, the io_uring chapter
 * for the idea (echo_uring.c is a close cousin).  Check your work with:
 *     make check EX=06-io-uring/uring_lineserver */
#include "uring_lineserver.h"

#include <liburing.h>

#include "todo.h"

int uring_line_server(int listen_fd, int stop_fd)
{
    (void)listen_fd, (void)stop_fd;
    TODO("set up a ring, submit an accept on listen_fd and a read of stop_fd, then "
         "act on each completion (user_data says whose it is) until stop_fd is read");
}
