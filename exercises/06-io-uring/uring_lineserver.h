/* uring_lineserver.h: exercise 6.2, the line server of chapter 4 on io_uring.
 *
 * The protocol is chapter 4's (exercise 4.2): a client sends lines ending
 * in '\n'; for each complete line the server sends back the same line in
 * upper case (ASCII letters through toupper(), everything else as is, the
 * '\n' included), in order.  Example: "Hello, World\n" -> "HELLO, WORLD\n".
 *
 * What changes is the model.  Nothing here asks "is this socket ready?":
 * the server submits the operations themselves (accept, receive, send,
 * and a read of stop_fd) and acts on each completion, whose user_data
 * says which client and which operation it finishes.  One thread, one
 * ring, no epoll.  The tests hold it to what a good server does:
 *
 *   - Many clients at once: keep a receive in flight on every client, and
 *     an accept on the listening socket, all the time.
 *   - Re-arm: a receive finishes after one batch of bytes.  Submit the
 *     client's next receive when you have dealt with it (or use a
 *     multishot receive, Linux 6.0), or the client's next line is never
 *     read.  The same goes for accept.
 *   - Short sends: a send may complete with fewer bytes than asked.
 *     Submit the rest.  At most one send per client in flight, so the
 *     bytes stay in order.
 *   - Backpressure: while more than 64 KiB of replies wait for a client,
 *     do not re-arm its receive; re-arm it when the sends catch up.
 *   - Disconnects: a receive that completes with 0 or an error, or a send
 *     that fails, ends the client.  Close it once none of its operations
 *     is still in flight (a buffer the kernel may still write to must not
 *     be freed), and free everything it had.  Send with MSG_NOSIGNAL.
 *   - Every completion marked seen (io_uring_cqe_seen or
 *     io_uring_cq_advance): one that is not comes back for ever.
 *   - No busy waiting: while nothing happens, wait in io_uring_wait_cqe()
 *     (or submit_and_wait), and use no CPU. */
#ifndef URING_LINESERVER_H
#define URING_LINESERVER_H

#define ULINE_MAX 1024             /* the longest line, '\n' included */
#define ULINE_BACKLOG (64 * 1024)  /* replies waiting before receiving pauses */

/* Serve clients on listen_fd (a listening TCP socket on 127.0.0.1) until
 * stop_fd (the read end of a pipe) becomes readable.  Then end every
 * client connection, wait for every operation still in flight to
 * complete (or cancel it), close and free everything, tear the ring down
 * and return 0.  Return -1 if the server cannot start (io_uring cannot
 * be set up).  listen_fd and stop_fd belong to the caller: do not close
 * them.  A client whose line grows past ULINE_MAX bytes without a '\n'
 * may be disconnected. */
int uring_line_server(int listen_fd, int stop_fd);

#endif
