/* prefork.h: exercise 7.3, a prefork server.
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
 * Two things make a child a good sibling:
 *   - Accept one connection per wake-up of the listening socket, not all
 *     that are pending: a child that then spends 100 ms on a count should
 *     leave the next connections to its idle siblings.  The socket is
 *     shared, so accept() may find nothing (EAGAIN): a sibling was faster.
 *   - Requests are lines ended by '\n' of at most WORK_MAX_LINE bytes; a
 *     client sends its next request only after the reply to the previous
 *     one.  A client that leaves is closed and forgotten.
 *
 * Shutdown is by signal, as for real servers: SIGTERM to the parent.
 *   - Block SIGTERM in the parent *before* forking the first child (so a
 *     SIGTERM that arrives early waits instead of killing the parent), and
 *     wait for it with sigwait() (or a handler; your choice).
 *   - Then send SIGTERM to every child and wait for every one of them,
 *     with waitpid(): no zombie may remain.  Restore the signal mask (and
 *     any handler you changed), close what you opened, free what you
 *     allocated, and return 0.
 *   - A child that receives SIGTERM stops its loop (a handler may ring an
 *     el_notify doorbell: el_notify_send() is async-signal-safe), closes
 *     its connections and leaves with _exit(0).  A child never returns
 *     from prefork_serve(): that would run the caller's code twice.
 *   - fflush(NULL) before each fork(), or buffered output is printed twice.
 *
 * If a child dies (a crash, a kill), the parent may fork a replacement;
 * that is not required, but it must still wait for every child, dead or
 * alive, before it returns. */
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
