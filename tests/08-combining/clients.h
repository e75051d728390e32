/* clients.h: what the tests of exercises 8.2 and 7.3 share: the
 * grader's blocking line clients with timeouts (grader/client.h: a server
 * that stops answering fails a test instead of hanging it, and messages
 * quote what it sent through shown()), and a few small references. */
#ifndef CLIENTS_H
#define CLIENTS_H

/* The TSan driver includes this file too: client.h is all inline, since
 * the TSan build links lib/ but not grader/. */
#include "client.h"
#include "combine.h"
#include "net.h"
#include "primes.h"
#include "timing.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* What to do instead of blocking, for the servers on evloop.h. */
#define EL_NEVER_BLOCK_HINT                                                 \
    "Keep every client socket non-blocking (accept4() with SOCK_NONBLOCK): " \
    "send() then says EAGAIN instead of waiting, and the loop keeps the "   \
    "reply for when the socket is writable (or drops a reply that client "  \
    "did not wait for), and goes on serving the others."

/* Send a request and read one reply line (5 s at most). */
static inline int cl_ask(int fd, const char *request, char *reply, size_t n)
{
    return cl_ask_within(fd, request, reply, n, 5.0);
}

/* A request and the reply it must get; srv_expect() is the test file's,
 * as each server under test is stopped in its own way. */
#define srv_ask(s, fd, want, req)                                           \
    do {                                                                    \
        char a_[256];                                                       \
        cl_ask((fd), (req), a_, sizeof a_);                                 \
        srv_expect((s), strcmp(a_, (want)) == 0,                            \
                   "the request '%.*s' should get the reply '%s', got '%s'", \
                   (int)strcspn((req), "\n"), (req), shown(want), shown(a_)); \
    } while (0)

/* ---- heavy batches, for the speedup judge -------------------------------- */

/* An even range: near 100,000,000 every slice costs about the same, so
 * the speedup test judges parallelism, not load balancing.  16 requests
 * of 6,250 numbers: about 0.1 s on one core, under AddressSanitizer
 * (12,500 before: docs/data/fairness-half-ref.dat). */
#define BATCH_N 16
#define BATCH_SPAN 6250ULL
/* Where the batch starts in this run: up to 6,243,750 below 99,800,000
 * (the batch must end by WORK_MAX_HI), drawn from the run's seed
 * (gr_seed(), first called by the test, so the sandboxed call sees the
 * same value). */
#define BATCH_LO (99800000ULL - gr_seed() % 1000 * BATCH_SPAN)
unsigned long gr_seed(void); /* grader.h */

static inline void batch_request(int i, char *buf, size_t n)
{
    snprintf(buf, n, "PRIMES %llu %llu\n", BATCH_LO + i * BATCH_SPAN,
             BATCH_LO + (i + 1) * BATCH_SPAN);
}

/* The sequential reference: the same counts, one after the other. */
static inline void batch_sequential(void *arg, void *out)
{
    (void)arg;
    long sum = 0;
    for (int i = 0; i < BATCH_N; i++)
        sum += count_primes(BATCH_LO + i * BATCH_SPAN, BATCH_LO + (i + 1) * BATCH_SPAN);
    *(long *)out = sum;
}

/* Workers (or processes) for the speedup tests: the usable cores, at
 * least 2 and at most 8. */
static inline int test_workers(void)
{
    int c = usable_cores();
    return c < 2 ? 2 : c > 8 ? 8 : c;
}

/* Send the whole batch to a server at once, one request per connection,
 * and add up the replies.  Returns the sum, or -1 on any failure. */
static inline long batch_ask(int port)
{
    int fd[BATCH_N];
    long sum = 0;
    int opened = 0, ok = 1;
    for (; opened < BATCH_N; opened++) {
        char req[64];
        fd[opened] = tcp_connect_loopback(port);
        batch_request(opened, req, sizeof req);
        if (fd[opened] < 0 || cl_send(fd[opened], req) != 0) {
            ok = 0;
            if (fd[opened] >= 0)
                opened++;
            break;
        }
    }
    for (int i = 0; i < opened && ok; i++) {
        char line[64];
        if (cl_line(fd[i], line, sizeof line, 30) <= 0)
            ok = 0;
        else
            sum += atol(line);
    }
    for (int i = 0; i < opened; i++)
        close(fd[i]);
    return ok ? sum : -1;
}

#endif
