/* combine.h: what chapter 8's servers and clients share.
 *
 * Every server in chapter 8 speaks the same small language, one request
 * per line, one reply per line:
 *
 *   request          reply
 *   PING             PONG                      (cheap: answer at once)
 *   PRIMES lo hi     the number of primes p with lo <= p < hi, in decimal
 *                    (count_primes(); 0 <= lo <= hi <= 100,000,000)
 *                                              (heavy: milliseconds of CPU)
 *   PID              the process id of the process that answers, in
 *                    decimal (cheap; it shows which prefork child served)
 *   anything else    ERR unknown command
 *   PRIMES with bad numbers or the wrong number of words
 *                    ERR wrong arguments
 *
 * Parsing is split from answering so that a server can look at a request
 * on its loop thread, answer the cheap ones there, and send the heavy
 * ones elsewhere (a thread pool, a process pool) to be answered. */
#ifndef BOOK_COMBINE_H
#define BOOK_COMBINE_H

#include <stddef.h>
#include <stdint.h>

#define WORK_MAX_LINE 128   /* the longest request, '\n' included */
#define WORK_MAX_HI 100000000ULL

enum work_kind { WORK_PING, WORK_PRIMES, WORK_PID, WORK_BAD };

struct work_req {
    enum work_kind kind;
    uint64_t lo, hi;        /* WORK_PRIMES only */
    const char *error;      /* WORK_BAD only: the reply, without '\n' */
};

/* Parse one request line (with or without its '\n').  Never fails: a bad
 * request comes back as WORK_BAD with its error reply.  Cheap. */
struct work_req work_parse(const char *line);

/* Is answering it heavy?  True for WORK_PRIMES only. */
static inline int work_is_heavy(const struct work_req *r)
{
    return r->kind == WORK_PRIMES;
}

/* The reply to a parsed request, without '\n', into out (n bytes; 32 are
 * always enough).  For WORK_PRIMES this is where the CPU time goes; it is
 * thread-safe and may run on any thread or in any process. */
void work_answer(const struct work_req *r, char *out, size_t n);

/* A listening TCP socket on 127.0.0.1 with SO_REUSEPORT set before
 * bind(): several such sockets, one per process, may then listen on the
 * same port, and the kernel spreads new connections over them.  *port 0
 * picks a free port (written back).  Returns the descriptor or -1. */
int tcp_listen_reuseport(int *port);

#endif
