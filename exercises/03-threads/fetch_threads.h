/* fetch_threads.h: exercise 3.2, many requests, a few threads.
 *
 * A request to the slow server spends its time waiting, not computing.
 * Done one after another, N requests take N x delay.  With T threads each
 * doing one request at a time, T requests wait at once and the whole batch
 * takes about N x delay / T, even on a single core: waiting needs no CPU.
 *
 * The number of threads is fixed on purpose.  A thread per request would
 * finish sooner here, but chapter 3 shows what thousands of threads cost;
 * a fixed set of workers pulling requests from a shared list is the shape
 * of every real client that limits its connections. */
#ifndef FETCH_THREADS_H
#define FETCH_THREADS_H

#include "slow_server.h"

/* For every i < n, send lines[i] to the slow server on 127.0.0.1:port
 * with slow_request() (one request per connection) and store its reply in
 * replies[i].  Use exactly min(nthreads, n) threads (nthreads >= 1): each
 * takes the next request nobody has taken yet, until none is left.  Join
 * every thread before returning.  Returns how many requests failed (0 when
 * all succeeded); a failed request's reply is the empty string. */
int fetch_threads(int port, const char *const lines[], int n,
                  char (*replies)[SLOW_MAX_LINE], int nthreads);

#endif
