/* kvserver.h: exercise 5.2, a key-value server on libuv.
 *
 * One thread, one uv_loop_t, any number of clients.  Every client speaks
 * a line protocol: one request per line, ended by '\n', and one reply
 * line per request, in order.  All clients share one store, so what one
 * client SETs, another can GET.
 *
 *   request          reply
 *   PING             PONG
 *   SET key value    OK              (value: the rest of the line after
 *                                     the key's one space, kept exactly,
 *                                     spaces included; not empty)
 *   GET key          VALUE value     or  NOT_FOUND
 *   DEL key          DELETED         or  NOT_FOUND
 *   QUIT             BYE             and the server closes the connection
 *
 * A key is one word: no spaces, not empty.  Words are separated by
 * exactly one space, so an extra space makes an empty word:
 *   "GET  k", "GET k " and "SET  k v" get   ERR wrong arguments,
 *   " PING" gets                            ERR unknown command,
 *   "SET k  v" stores the value " v" (its leading space is part of it).
 * One '\r' just before the '\n' is removed before the line is read (any
 * other '\r' is an ordinary byte).  Commands are upper case.
 *
 * Bad input never stops the server and never disturbs other clients:
 *   - an unknown command (or an empty line) gets   ERR unknown command
 *     and the connection stays open;
 *   - a known command with missing or extra words gets
 *                                                  ERR wrong arguments
 *     and the connection stays open;
 *   - a line longer than KV_MAX_LINE bytes (counting every byte up to
 *     and including the '\n', so a '\r' before it counts too) gets
 *                                                  ERR line too long
 *     and then the server closes that connection: it cannot tell where
 *     the next request starts;
 *   - a client may vanish at any moment, even with replies still owed to
 *     it or half a line sent.  Writing to a connection the peer has reset
 *     must not kill the server (think of SIGPIPE).
 *
 * The test connects 1,000 clients at once and keeps them all open.  It
 * raises the open-file soft limit to 4,096 itself, before your server
 * starts; listen with a backlog of at least 1,024 (SOMAXCONN is fine). */
#ifndef KVSERVER_H
#define KVSERVER_H

#define KV_MAX_LINE 256 /* the longest request, '\n' included */

/* Serve on listen_fd, a TCP socket that is already bound and listening
 * (adopt it with uv_tcp_open()), until stop_fd becomes readable: a byte
 * arrives or its other end is closed.  Then shut down cleanly: stop
 * accepting, close every client connection and every other handle, let
 * the loop run their close callbacks, free the store, and close the loop
 * (uv_loop_close() must succeed).  Do not wait for clients to hang up.
 *
 * Return 0 after a clean shutdown, -1 if the server could not start.
 * listen_fd is yours: it is closed when you close its handle.  stop_fd
 * stays the caller's; watching it (uv_poll_t) does not close it.
 * No descriptor, handle or byte of memory may outlive the call. */
int kv_serve(int listen_fd, int stop_fd);

#endif
