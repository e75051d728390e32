/* workserver.h: exercise 8.2, an event loop with a pool of worker threads.
 *
 * A server whose clients ask for cheap and for CPU-heavy things, in the
 * request language of combine.h (in lib/):
 *
 *   PING             PONG                      cheap
 *   PID              the server's process id   cheap
 *   PRIMES lo hi     the number of primes p with lo <= p < hi     HEAVY
 *   anything else    an ERR line
 *
 * work_parse() reads a request line and says which kind it is;
 * work_answer() writes the reply (for PRIMES, that is where the CPU time
 * goes).  Use them: the exercise is about where the work runs, not about
 * parsing.
 *
 * One thread runs an event loop (evloop.h) over every connection and
 * answers the cheap requests itself, at once.  The heavy ones go to
 * `workers` threads of a pool; a worker computes the reply and hands it
 * back to the loop (for instance through a list and an el_notify
 * doorbell), and the loop sends it.  So PING stays fast while counts run,
 * and `workers` counts run at once on `workers` cores.
 *
 * Requests are lines ended by '\n' of at most WORK_MAX_LINE bytes (a
 * longer one: close the connection).  A client sends its next request
 * only after the reply to the previous one.  Clients may disconnect at
 * any time, also while their count runs: its result is then dropped, and
 * nothing may touch the closed connection or its freed memory. */
#ifndef WORKSERVER_H
#define WORKSERVER_H

#include "combine.h"

/* Serve on listen_fd (a listening TCP socket on 127.0.0.1) with a pool of
 * `workers` threads (>= 1) until stop_fd becomes readable.  Then stop
 * accepting, let the counts already running finish (their replies may be
 * dropped), join every thread, close every connection and free
 * everything, and return 0.  Return -1 if the server cannot start.
 * listen_fd and stop_fd belong to the caller: do not close them (making
 * listen_fd non-blocking is fine). */
int work_serve(int listen_fd, int stop_fd, int workers);

#endif
