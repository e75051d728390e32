/* overlap.h: exercise 8.1, a pipeline that overlaps slow I/O with CPU work.
 *
 * n items wait on a slow server at 127.0.0.1:port.  To fetch item i, send
 * the line requests[i] followed by '\n'; after a delay the server answers
 * with one line, two decimal numbers "lo hi".  The item's work is to count
 * the primes p with lo <= p < hi (count_primes() from primes.h): a few
 * milliseconds of CPU each.
 *
 * The server handles one request per connection at a time: send the next
 * request on a connection only after its reply has come.  Use at most
 * `conns` connections at once (the server counts them), one request in
 * flight on each.
 *
 * Done one after the other (fetch everything, then count everything),
 * the run takes (I/O time) + (CPU time).  Overlapped, with the counting
 * of the items that have arrived going on while the next ones are on
 * their way, it takes about the larger of the two.  That is the point:
 * the timing test measures, in the same run, fetching alone (conns
 * connections, no counting) and counting alone (`workers` threads, no
 * fetching), and your run must take at most 1.5 x the larger of the two.
 *
 * The shape chapter 8 suggests: one event loop thread (evloop.h) keeps
 * `conns` connections busy, and hands every reply to `workers` counting
 * threads through a queue.  Any design that overlaps passes. */
#ifndef OVERLAP_H
#define OVERLAP_H

#define OVERLAP_FACTOR 1.5  /* at most this times max(I/O alone, CPU alone) */
#define OVERLAP_MAX_LINE 64 /* the longest reply, '\n' included */

/* Fetch and count n items (n >= 0) over at most `conns` connections
 * (conns >= 1) with `workers` counting threads (workers >= 1), and write
 * the count of item i to counts[i].  Return 0, or -1 if the server closes
 * a connection, cannot be reached, or sends a reply that is not two
 * numbers lo <= hi.  Either way every thread has been joined, every
 * socket closed and all memory freed when it returns. */
int overlap_run(int port, const char *const *requests, int n, int conns,
                int workers, long *counts);

#endif
