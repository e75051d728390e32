/* prefork.h: exercise 8.3, a prefork server.
 *
 * The nginx model: a parent process that only supervises, and `nprocs`
 * child processes that each run their own event loop (evloop.h) on the
 * same listening socket, which they inherit from the parent.  Each child
 * accepts connections and answers every request itself, heavy ones
 * included, in the request language of combine.h (work_parse() and
 * work_answer(): PING, PID, PRIMES lo hi).  The CPU work spreads over the
 * cores because the children do.  A PID request is answered with the
 * child's own process id.
 *
 * What the tests hold it to:
 *   - A busy child leaves new connections to its idle siblings: one that
 *     spends 100 ms on a count must not have taken the connections that
 *     arrived meanwhile.  The socket is shared, so an accept() may find
 *     nothing (EAGAIN): a sibling was faster.  You may make listen_fd
 *     non-blocking: O_NONBLOCK belongs to the open file, so the caller's
 *     descriptor and every child's copy change together, and the caller
 *     does not mind.
 *   - Requests are lines ended by '\n' of at most WORK_MAX_LINE bytes; a
 *     client sends its next request only after the reply to the previous
 *     one.  A client that leaves is closed and forgotten.
 *   - Shutdown is by signal, as for real servers: SIGTERM to the calling
 *     process, at any moment after prefork_serve() was called, even
 *     before the first child exists, stops the whole server and makes
 *     prefork_serve() return 0; it never kills the caller.  Every child
 *     has then ended and been waited for (no zombie), and the caller's
 *     signal mask and SIGTERM disposition are as they were before the
 *     call (the tests check both).
 *   - A child never returns from prefork_serve() (that would run the
 *     caller's code twice) and leaves nothing printed twice.
 *   - If a child dies (a crash, a kill), the parent may fork a
 *     replacement; that is not required, but it must still wait for every
 *     child, dead or alive, before it returns. */
#ifndef PREFORK_H
#define PREFORK_H

#include "combine.h"

/* Serve on listen_fd (a listening TCP socket on 127.0.0.1, owned by the
 * caller: the parent must not close it; children may close their copies)
 * with nprocs >= 1 children until the calling process gets SIGTERM; then
 * stop every child, wait for them all, and return 0.  Return -1 if it
 * cannot start, with no child left behind. */
int prefork_serve(int listen_fd, int nprocs);

#endif
