/* lineserver.h: exercise 4.2, a line server on an event loop.
 *
 * One thread serves every client.  A client sends lines ending in '\n';
 * for each complete line the server sends back the same line in upper
 * case (ASCII letters through toupper(), everything else as is, the '\n'
 * included), in order.  Example: "Hello, World\n" -> "HELLO, WORLD\n".
 *
 * Build it on the chapter's loop (#include "evloop.h": el_watch,
 * el_set_events, el_run, el_stop...) or on a poll()/epoll loop of your
 * own.  The tests hold the server to what chapter 4 says a good one does:
 *
 *   - Many clients at once: never block on one client.  Sockets are
 *     non-blocking; a line may arrive in pieces, in any number of reads,
 *     and bytes after the last '\n' wait for the rest of their line.
 *   - Partial writes: send() may take only part of a reply, or nothing
 *     (EAGAIN).  Keep the rest and send it when the socket is writable: a
 *     client that sends megabytes and reads slowly gets every byte back.
 *   - Backpressure: while more than 64 KiB of replies wait for a client,
 *     stop reading from that client.  The kernel then slows the client
 *     down, and the server's memory stays bounded.
 *   - No leaks: when a client goes away (closes, or resets the
 *     connection, in the middle of a line or with replies still waiting),
 *     close its socket and free its state at once.  Use
 *     send(..., MSG_NOSIGNAL): writing to a reset connection must not kill
 *     the server with SIGPIPE.
 *   - No busy waiting: while nothing happens, the server sleeps in the
 *     kernel and uses no CPU at all. */
#ifndef LINESERVER_H
#define LINESERVER_H

#define LINE_MAX_BYTES 1024     /* the longest line, '\n' included */
#define LINE_BACKLOG (64 * 1024) /* replies waiting before reading pauses */

/* Serve clients on listen_fd (a listening TCP socket on 127.0.0.1) until
 * stop_fd (the read end of a pipe) becomes readable.  Then close every
 * client connection, free everything, and return 0.  Return -1 if the
 * server cannot start.  listen_fd and stop_fd belong to the caller: do
 * not close them (making listen_fd non-blocking is fine).  A client whose
 * line grows past LINE_MAX_BYTES without a '\n' is disconnected: close its
 * connection (its earlier replies may be lost) and go on serving the
 * others. */
int line_server(int listen_fd, int stop_fd);

#endif
