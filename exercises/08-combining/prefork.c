/* Exercise 8.3: see prefork.h for the contract, chapter 8 for the idea
 * (prefork.c and work_server.h in chapters/08-combining are close
 * cousins).  Check your work with:
 *     make check EX=08-combining/prefork */
#include "prefork.h"

#include "evloop.h"
#include "todo.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

int prefork_serve(int listen_fd, int nprocs)
{
    (void)listen_fd, (void)nprocs;
    TODO("serve with nprocs child processes until SIGTERM, then stop them all");
}
