/* Exercise 4.2: see lineserver.h for the contract, chapter 4 for the idea
 * (echo_server.c is a close cousin).  Check your work with:
 *     make check EX=04-event-loop/lineserver */
#include "lineserver.h"

#include "evloop.h"
#include "todo.h"

int line_server(int listen_fd, int stop_fd)
{
    (void)listen_fd, (void)stop_fd;
    TODO("make a loop, watch listen_fd (accept) and stop_fd (el_stop), run it, "
         "then close every client");
}
