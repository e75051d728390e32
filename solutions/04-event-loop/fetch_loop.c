/* Exercise 4.3, reference solution: a state machine per request on
 * lib/evloop, and a counter of open connections.
 *
 * start_more() opens connections while fewer than max_open are open and
 * requests remain; every finished request closes its connection and calls
 * start_more() again.  So max_open requests are always in flight, and n
 * requests take about ceil(n / max_open) server delays. */
#define _GNU_SOURCE
#include "fetch_loop.h"

#include "evloop.h"
#include "slow_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum state { CONNECTING, SENDING, RECEIVING };

struct batch;

struct request {
    struct batch *batch;
    int fd;
    enum state state;
    size_t sent, len, got;
    char line[SLOW_MAX_LINE + 1];
    char *reply; /* replies[i] */
};

struct batch {
    struct el_loop *loop;
    int port, n, max_open, next, open, finished, ok;
    const char *const *lines;
    char (*replies)[FETCH_REPLY_MAX];
    struct request *reqs;
};

static void start_more(struct batch *b);

static void finish(struct batch *b, struct request *r, int ok)
{
    el_unwatch(b->loop, r->fd);
    close(r->fd);
    if (!ok)
        r->reply[0] = '\0';
    b->ok += ok;
    b->open--;
    if (++b->finished == b->n)
        el_stop(b->loop);
    else
        start_more(b);
}

static void on_ready(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct request *r = data;
    struct batch *b = r->batch;
    (void)events;
    if (r->state == CONNECTING) {
        int err = 0;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof err });
        if (err) {
            finish(b, r, 0);
            return;
        }
        r->state = SENDING;
    }
    if (r->state == SENDING) {
        ssize_t n = send(fd, r->line + r->sent, r->len - r->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                finish(b, r, 0);
            return;
        }
        r->sent += (size_t)n;
        if (r->sent == r->len) {
            r->state = RECEIVING;
            el_set_events(loop, fd, EL_READ);
        }
        return;
    }
    ssize_t n = read(fd, r->reply + r->got, FETCH_REPLY_MAX - 1 - r->got);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        finish(b, r, 0);
        return;
    }
    r->got += (size_t)n;
    r->reply[r->got] = '\0';
    char *nl = memchr(r->reply, '\n', r->got);
    if (nl) {
        *nl = '\0';
        finish(b, r, 1);
    } else if (r->got == FETCH_REPLY_MAX - 1) { /* longer than promised: keep what fits */
        finish(b, r, 1);
    }
}

static int open_request(struct batch *b, struct request *r)
{
    r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->fd < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)b->port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((connect(r->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) ||
        el_watch(b->loop, r->fd, EL_WRITE, on_ready, r) != 0) {
        close(r->fd);
        return -1;
    }
    return 0;
}

static void start_more(struct batch *b)
{
    while (b->open < b->max_open && b->next < b->n) {
        int i = b->next++;
        struct request *r = &b->reqs[i];
        r->batch = b;
        r->reply = b->replies[i];
        r->reply[0] = '\0';
        r->len = (size_t)snprintf(r->line, sizeof r->line, "%s\n", b->lines[i]);
        if (r->len >= sizeof r->line || open_request(b, r) != 0) {
            b->finished++; /* failed before it started */
            continue;
        }
        b->open++;
    }
    if (b->finished == b->n)
        el_stop(b->loop);
}

int fetch_loop(int port, const char *const lines[],
               char replies[][FETCH_REPLY_MAX], int n, int max_open)
{
    if (n <= 0)
        return 0;
    struct batch b = { .port = port, .n = n, .max_open = max_open > 0 ? max_open : 1,
                       .lines = lines, .replies = replies };
    b.loop = el_loop_new();
    b.reqs = calloc((size_t)n, sizeof *b.reqs);
    if (!b.loop || !b.reqs) {
        el_loop_free(b.loop);
        free(b.reqs);
        return 0;
    }
    start_more(&b);
    if (b.finished < n)
        el_run(b.loop);
    el_loop_free(b.loop);
    free(b.reqs);
    return b.ok;
}
