/* Exercise 4.2, reference solution: a line server on lib/evloop.
 *
 * Each client has an input buffer (at most one incomplete line) and an
 * output buffer (replies not yet sent).  What a client waits for follows
 * from the buffers: EL_READ while it has not hung up and fewer than
 * LINE_BACKLOG bytes of replies wait; EL_WRITE while replies wait.  All
 * clients are on a list so that stopping can close them all. */
#define _GNU_SOURCE
#include "lineserver.h"

#include "evloop.h"
#include "net.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct client {
    int fd, eof;
    size_t inlen;
    char in[LINE_MAX_BYTES];
    char *out;                 /* out[head..len) waits to be sent */
    size_t head, len, cap;
    struct client *prev, *next;
};

static struct client *clients;

static void drop(struct el_loop *loop, struct client *c)
{
    el_unwatch(loop, c->fd);
    close(c->fd);
    if (c->prev)
        c->prev->next = c->next;
    else
        clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->out);
    free(c);
}

static int queue(struct client *c, const char *p, size_t n)
{
    if (c->head > 0 && c->len + n > c->cap) { /* reuse the space already sent */
        memmove(c->out, c->out + c->head, c->len - c->head);
        c->len -= c->head;
        c->head = 0;
    }
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + n)
            cap *= 2;
        char *o = realloc(c->out, cap);
        if (!o)
            return -1;
        c->out = o;
        c->cap = cap;
    }
    for (size_t i = 0; i < n; i++)
        c->out[c->len + i] = (char)toupper((unsigned char)p[i]);
    c->len += n;
    return 0;
}

/* Read what is there and queue a reply per complete line.  0, or -1 to
 * drop the client. */
static int take_input(struct client *c)
{
    ssize_t n = read(c->fd, c->in + c->inlen, sizeof c->in - c->inlen);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (n == 0) {
        c->eof = 1; /* send what is pending, then close */
        return 0;
    }
    c->inlen += (size_t)n;
    char *start = c->in, *nl;
    while ((nl = memchr(start, '\n', c->inlen - (size_t)(start - c->in)))) {
        if (queue(c, start, (size_t)(nl - start) + 1) != 0)
            return -1;
        start = nl + 1;
    }
    c->inlen -= (size_t)(start - c->in);
    memmove(c->in, start, c->inlen);
    return c->inlen == sizeof c->in ? -1 : 0; /* a line too long */
}

/* Send what the socket takes now.  0, or -1 to drop the client. */
static int flush(struct client *c)
{
    while (c->head < c->len) {
        ssize_t n = send(c->fd, c->out + c->head, c->len - c->head, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? 0 : -1; /* full: wait for EL_WRITE */
        c->head += (size_t)n; /* maybe a partial write: go round again */
    }
    c->head = c->len = 0;
    return 0;
}

static void on_client(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct client *c = data;
    (void)fd;
    if ((events & EL_READ) && take_input(c) != 0) {
        drop(loop, c);
        return;
    }
    if (flush(c) != 0) {
        drop(loop, c);
        return;
    }
    size_t pending = c->len - c->head;
    if (c->eof && !pending) {
        drop(loop, c);
        return;
    }
    unsigned want = (!c->eof && pending < LINE_BACKLOG ? EL_READ : 0) |
                    (pending ? EL_WRITE : 0);
    if (want != el_events(loop, c->fd))
        el_set_events(loop, c->fd, want);
}

static void on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events, (void)data;
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct client *c = calloc(1, sizeof *c);
        if (!c || el_watch(loop, fd, EL_READ, on_client, c) != 0) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
        c->next = clients;
        if (clients)
            clients->prev = c;
        clients = c;
    }
}

static void on_stop(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)fd, (void)events, (void)data;
    el_stop(loop);
}

int line_server(int listen_fd, int stop_fd)
{
    struct el_loop *loop = el_loop_new();
    if (!loop || set_nonblocking(listen_fd) != 0 ||
        el_watch(loop, listen_fd, EL_READ, on_accept, NULL) != 0 ||
        el_watch(loop, stop_fd, EL_READ, on_stop, NULL) != 0) {
        el_loop_free(loop);
        return -1;
    }
    int rc = el_run(loop);
    while (clients)
        drop(loop, clients);
    el_unwatch(loop, listen_fd);
    el_unwatch(loop, stop_fd);
    el_loop_free(loop);
    return rc;
}
