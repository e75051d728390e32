/* fetch_loop.h: exercise 4.3, many slow requests from one thread.
 *
 * The slow server (slow_server.h) answers each request after a fixed
 * delay.  Asked one after the other, n requests take n delays.  Asked all
 * at once they take one delay, but a real client must not open 100,000
 * connections to a server; so it keeps at most `max_open` requests in
 * flight, and starts the next one the moment one finishes.  n requests
 * then take about ceil(n / max_open) delays, not n.  That is an I/O
 * speedup that needs no second core, and no second thread: the tests
 * judge it against a delay measured in the same run.
 *
 * Protocol (see slow_server.h): connect to 127.0.0.1:port, send one line
 * ending in '\n', read the line that comes back, close. */
#ifndef FETCH_LOOP_H
#define FETCH_LOOP_H

#define FETCH_REPLY_MAX 128 /* room for a reply, its '\0' included */

/* Send each lines[i] (it has no '\n'; add one) to the slow server on
 * 127.0.0.1:port, one request per connection, and store the reply without
 * its '\n' in replies[i].
 *   - At most max_open connections may be open at any moment (max_open
 *     >= 1), and you should use them all: start a new request as soon as
 *     one finishes.
 *   - One thread only: no pthread_create(), no fork().  Use non-blocking
 *     sockets and an event loop (evloop.h from chapter 4, or your own
 *     poll()/epoll loop).
 *   - A request that fails (the connection is refused, or closed or reset
 *     before a whole line came back) leaves an empty string in replies[i]
 *     and does not count; the other requests go on.  A reply longer than
 *     FETCH_REPLY_MAX - 1 characters is cut to fit, and counts.  Close
 *     every socket before returning.
 *   - n may be 0: then return 0 at once; lines and replies may be NULL.
 * Returns the number of replies received: n when all went well, 0 when
 * every connection was refused. */
int fetch_loop(int port, const char *const lines[],
               char replies[][FETCH_REPLY_MAX], int n, int max_open);

#endif
