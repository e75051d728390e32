/* Exercise 6.2, reference solution: the line server on io_uring.
 *
 * Every operation in flight has a `struct op` in memory that outlives it;
 * its address is the SQE's user_data, so a completion leads straight back
 * to the operation and its client: the continuation.  A client has at
 * most one receive and one send in flight.  A send owns its buffer until
 * it completes, so replies made meanwhile go to a second buffer, and the
 * two swap when the send is done.  When a client ends, its socket is shut
 * down, which completes whatever is still in flight; the client is freed
 * when the last of it has come back, so the kernel never writes into
 * freed memory. */
#define _GNU_SOURCE
#include "uring_lineserver.h"

#include <ctype.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum kind { ACCEPT, STOP, CANCEL, RECV, SEND };

struct client;
struct op {
    enum kind kind;
    struct client *c; /* NULL but for RECV and SEND */
};

struct buf {
    char *p;
    size_t len, cap;
};

struct client {
    int fd, dead, recv_busy, send_busy;
    struct op recv, send;
    struct client *prev, *next;
    size_t in_len;
    char in[ULINE_MAX];
    struct buf out;     /* replies not yet handed to a send */
    struct buf snd;     /* the bytes of the send in flight */
    size_t snd_off;     /* how much of snd has gone */
};

struct server {
    struct io_uring ring;
    int listen_fd, stop_fd, stopping, inflight;
    struct op accept_op, stop_op, cancel_op;
    struct client *clients;
};

static struct io_uring_sqe *sqe_for(struct server *s, struct op *op)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&s->ring);
    if (!sqe) { /* the submission queue is full: hand it over, make room */
        io_uring_submit(&s->ring);
        sqe = io_uring_get_sqe(&s->ring);
    }
    io_uring_sqe_set_data(sqe, op);
    s->inflight++;
    return sqe;
}

// [snippet arm]
static void arm_recv(struct server *s, struct client *c)
{
    c->recv_busy = 1;
    io_uring_prep_recv(sqe_for(s, &c->recv), c->fd, c->in + c->in_len,
                       sizeof c->in - c->in_len, 0);
}

/* The send in flight owns c->snd; what is left of it goes first, and
 * only then the replies gathered meanwhile (the buffers swap). */
static void arm_send(struct server *s, struct client *c)
{
    if (c->snd_off == c->snd.len) {
        struct buf t = c->snd;
        c->snd = c->out, c->out = t;
        c->out.len = 0, c->snd_off = 0;
    }
    c->send_busy = 1;
    io_uring_prep_send(sqe_for(s, &c->send), c->fd, c->snd.p + c->snd_off,
                       c->snd.len - c->snd_off, MSG_NOSIGNAL);
}
// [end arm]

static void arm_accept(struct server *s)
{
    io_uring_prep_accept(sqe_for(s, &s->accept_op), s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
}

static size_t waiting(const struct client *c)
{
    return c->out.len + c->snd.len - c->snd_off;
}

/* End a client: shutting the socket down completes what is in flight. */
static void end_client(struct client *c)
{
    if (!c->dead)
        shutdown(c->fd, SHUT_RDWR);
    c->dead = 1;
}

static void free_client(struct server *s, struct client *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        s->clients = c->next;
    if (c->next)
        c->next->prev = c->prev;
    close(c->fd);
    free(c->out.p);
    free(c->snd.p);
    free(c);
}

static void new_client(struct server *s, int fd)
{
    struct client *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->recv = (struct op){ RECV, c };
    c->send = (struct op){ SEND, c };
    c->next = s->clients;
    if (c->next)
        c->next->prev = c;
    s->clients = c;
    arm_recv(s, c);
}

static void reply(struct client *c, const char *line, size_t n)
{
    struct buf *b = &c->out;
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    for (size_t i = 0; i < n; i++)
        b->p[b->len++] = (char)toupper((unsigned char)line[i]);
}

/* Answer every complete line in c->in; keep the rest for the next receive. */
static void got_bytes(struct client *c, size_t n)
{
    c->in_len += n;
    char *start = c->in, *nl, *end = c->in + c->in_len;
    while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
        reply(c, start, (size_t)(nl + 1 - start));
        start = nl + 1;
    }
    c->in_len = (size_t)(end - start);
    memmove(c->in, start, c->in_len);
    if (c->in_len == sizeof c->in)
        end_client(c); /* a line longer than ULINE_MAX */
}

// [snippet client_done]
/* A receive or a send of c finished with res. */
static void client_done(struct server *s, struct op *op, int res)
{
    struct client *c = op->c;
    if (op->kind == RECV) {
        c->recv_busy = 0;
        if (res <= 0)
            end_client(c); /* end of file, or reset */
        else if (!c->dead)
            got_bytes(c, (size_t)res);
    } else {
        c->send_busy = 0;
        if (res < 0)
            end_client(c); /* EPIPE, ECONNRESET */
        else
            c->snd_off += (size_t)res; /* maybe short: the rest goes next */
    }
    if (c->dead) {
        if (!c->recv_busy && !c->send_busy)
            free_client(s, c); /* nothing of it is left in the kernel */
        return;
    }
    if (!c->send_busy && waiting(c) > 0)
        arm_send(s, c);
    if (!c->recv_busy && waiting(c) <= ULINE_BACKLOG)
        arm_recv(s, c); /* re-arm, unless backpressure holds it */
}
// [end client_done]

/* Stop: end every client and cancel the accept; the loop then runs until
 * all of it has come back. */
static void stop(struct server *s)
{
    s->stopping = 1;
    for (struct client *c = s->clients; c; c = c->next)
        end_client(c);
    io_uring_prep_cancel(sqe_for(s, &s->cancel_op), &s->accept_op, 0);
}

/* (op may be freed by client_done: its kind is read first.) */
static void complete(struct server *s, struct op *op, int res)
{
    enum kind kind = op->kind;
    s->inflight--;
    if (kind == RECV || kind == SEND)
        client_done(s, op, res);
    else if (kind == STOP)
        stop(s);
    else if (kind == ACCEPT && res >= 0 && !s->stopping)
        new_client(s, res);
    else if (kind == ACCEPT && res >= 0)
        close(res);
    if (kind == ACCEPT && !s->stopping)
        arm_accept(s); /* one accept, one connection: re-arm it */
}

// [snippet loop]
int uring_line_server(int listen_fd, int stop_fd)
{
    struct server s = { .listen_fd = listen_fd, .stop_fd = stop_fd,
                        .accept_op = { ACCEPT, NULL }, .stop_op = { STOP, NULL },
                        .cancel_op = { CANCEL, NULL } };
    if (io_uring_queue_init(256, &s.ring, 0) < 0)
        return -1;
    arm_accept(&s);
    io_uring_prep_poll_add(sqe_for(&s, &s.stop_op), stop_fd, POLLIN);
    while (!s.stopping || s.inflight > 0) {
        struct io_uring_cqe *cqe;
        io_uring_submit(&s.ring);
        if (io_uring_wait_cqe(&s.ring, &cqe) < 0)
            continue; /* EINTR */
        struct op *op = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(&s.ring, cqe); /* copied out: the slot is free */
        complete(&s, op, res);
    }
    io_uring_queue_exit(&s.ring);
    return 0;
}
// [end loop]
