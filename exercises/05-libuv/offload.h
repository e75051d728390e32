/* offload.h: exercise 5.3, keep the loop responsive: compute on the pool.
 *
 * A server whose clients ask for two very different things: PING, which
 * costs nothing, and PRIMES, which costs about a tenth of a second of
 * CPU.  Computed in a read callback, a PRIMES request would freeze the
 * loop, and every other client's PING would wait for it.  Hand it to
 * libuv's thread pool with uv_queue_work() instead: the count runs on a
 * worker thread while the loop goes on answering, and the reply is sent
 * from the after-work callback, back on the loop thread.
 *
 *   request          reply
 *   PING             PONG
 *   PRIMES lo hi     the number of primes p with lo <= p < hi, in decimal
 *                    (count_primes() from primes.h), e.g. "PRIMES 0 100"
 *                    gets "25"; 0 <= lo <= hi <= 100000000
 *   anything else    ERR unknown command
 *   PRIMES with bad numbers or the wrong number of words
 *                    ERR wrong arguments
 *
 * Numbers are unsigned decimal.  Bad numbers are those with a minus sign
 * ("-5"), with no digits ("one"), with lo > hi, or above 100000000 (an
 * overflow of 64 bits included).  The tests send exactly those; whether
 * "+5", or two spaces between words, is accepted is yours to decide.
 * Requests are lines ended by '\n' of at most OFFLOAD_MAX_LINE bytes, the
 * '\n' (and a '\r' before it) included; a longer one gets
 * "ERR line too long" and the connection is closed.  A
 * client sends its next request only after the reply to the previous
 * one, so replies on one connection never need reordering.
 *
 * The tricky part is lifetime.  A client may disconnect while its count
 * is still running on the pool; the after-work callback must then neither
 * write to the closed connection nor touch freed memory.  And a stop may
 * come while counts are running: the pool cannot interrupt them, so the
 * server must let them finish (uv_cancel() those not started yet) before
 * everything is closed. */
#ifndef OFFLOAD_H
#define OFFLOAD_H

#define OFFLOAD_MAX_LINE 128

/* Serve on listen_fd (bound and listening) until stop_fd becomes
 * readable, exactly as kv_serve() does in exercise 5.2: then close every
 * handle, wait for work still on the pool, close the loop, return 0.
 * Return -1 if the server could not start.  No descriptor, handle,
 * request or byte of memory may outlive the call. */
int offload_serve(int listen_fd, int stop_fd);

#endif
