/* net.h: loopback sockets for the book's servers and clients.
 * Everything binds 127.0.0.1 only, on a port the kernel picks. */
#ifndef BOOK_NET_H
#define BOOK_NET_H

/* A listening TCP socket on 127.0.0.1 and a free port (written to *port).
 * Returns the descriptor or -1. */
int tcp_listen_loopback(int *port);

/* A blocking connection to 127.0.0.1:port, or -1. */
int tcp_connect_loopback(int port);

/* Make fd non-blocking.  Returns 0 or -1. */
int set_nonblocking(int fd);

/* Raise the soft open-file limit towards `want` (never above the hard
 * limit).  Returns the soft limit now in force. */
long raise_fd_limit(long want);

#endif
