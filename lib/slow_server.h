/* slow_server.h: the book's I/O-bound workload.
 *
 * A "slow server" on 127.0.0.1 stands in for a slow disk or a remote
 * service: it answers each request after a fixed delay, and spends almost
 * no CPU doing so.  Protocol: a request is one line of at most
 * SLOW_MAX_LINE-1 bytes ending in '\n'; after the delay the server sends
 * the same line back.  Requests on one connection are answered in order;
 * many connections are served at once (10,000 is fine).  An overlong line
 * gets "ERR line too long\n" and the connection is closed. */
#ifndef BOOK_SLOW_SERVER_H
#define BOOK_SLOW_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#define SLOW_MAX_LINE 1024

struct slow_server {
    pid_t pid; /* the server runs in its own process */
    int port;  /* on 127.0.0.1 */
};

/* Start a server in a child process on a free port.  Call it before
 * creating threads.  Returns 0, or -1 with errno set. */
int slow_server_start(struct slow_server *s, double delay_ms);

/* Stop the server and wait for it.  Safe to call twice. */
void slow_server_stop(struct slow_server *s);

/* Serve on an already listening socket until killed (the server's body). */
int slow_server_serve(int listen_fd, double delay_ms);

/* One blocking request on a fresh connection: sends `line` (no '\n'
 * needed) and reads the reply into `reply` (n bytes, '\n' stripped).
 * Returns 0, or -1 on error. */
int slow_request(int port, const char *line, char *reply, size_t n);

#endif
