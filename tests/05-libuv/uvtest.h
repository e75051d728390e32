/* uvtest.h: what the chapter 5 tests share.
 *
 * A learner's server runs in the sandbox on a listening socket the test
 * made and is stopped through a socket pair (grader/server.h); clients
 * are the grader's blocking line clients with timeouts (grader/client.h),
 * so a server that stops answering fails a test instead of hanging it. */
#ifndef UVTEST_H
#define UVTEST_H

#include "client.h"
#include "grader.h"
#include "io.h"
#include "net.h"
#include "server.h"
#include "timing.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

typedef int (*serve_fn)(int listen_fd, int stop_fd);

struct serve_arg {
    struct srv_fds fds;
    serve_fn fn;
};

/* Runs in the sandbox child. */
static inline void serve_in_sandbox(void *arg, void *out)
{
    struct serve_arg *a = arg;
    close(a->fds.stop_w); /* only the test holds the other end */
    signal(SIGPIPE, SIG_DFL); /* as in a fresh program: ignoring it is the server's job */
    *(int *)out = a->fn(a->fds.listen_fd, a->fds.stop_r);
    /* libuv's own global state (the thread pool's threads, the pipe its
     * signal handling uses) is not the learner's to free: release it so
     * that the sandbox sees only what the learner left. */
    uv_library_shutdown();
}

static inline void server_start(struct served *s, serve_fn fn, const char *what,
                                double timeout_s)
{
    struct serve_arg a = { .fn = fn };
    srv_start(s, serve_in_sandbox, &a, what, timeout_s);
}

/* The same with small kernel buffers (the timing test whose client stops
 * reading fills them): see srv_start_small(). */
static inline void server_start_small(struct served *s, serve_fn fn, const char *what,
                                      double timeout_s)
{
    struct serve_arg a = { .fn = fn };
    srv_start_small(s, serve_in_sandbox, &a, what, timeout_s);
}

/* What to do instead of blocking, for libuv servers. */
#define UV_NEVER_BLOCK_HINT                                                 \
    "uv_write() never waits: it queues what the socket does not take yet.  " \
    "Do not make a client's stream blocking (uv_stream_set_blocking) and do " \
    "not write() to its descriptor yourself."

/* Send a request and read one reply line (3 s at most). */
static inline int cl_ask(int fd, const char *request, char *reply, size_t n)
{
    return cl_ask_within(fd, request, reply, n, 3.0);
}

/* A request "printf-style" and the reply it must get. */
#define srv_ask(s, fd, want, ...)                                           \
    do {                                                                    \
        char q_[1200], a_[1200];                                            \
        snprintf(q_, sizeof q_, __VA_ARGS__);                               \
        cl_ask((fd), q_, a_, sizeof a_);                                    \
        q_[strcspn(q_, "\n")] = '\0';                                       \
        srv_expect((s), strcmp(a_, (want)) == 0,                            \
                   "the request '%.60s%s' should get the reply '%s', got "  \
                   "'%.100s'", shown(q_), strlen(q_) > 60 ? "..." : "",      \
                   shown(want), shown(a_));                                 \
    } while (0)

#endif
