/* uring_model.h: io_uring as a sixth model, for the showdown's two I/O
 * workloads only (chapter 6 built the ring; chapter 7 measures it).
 *
 * One thread and one ring.  Each connection is a small state machine, as
 * in chapter 4's loop, but nothing waits for readiness: the connect, the
 * send and the receive are themselves the operations, submitted to the
 * ring, and the completion names the connection in its user_data.  Every
 * connection has one operation in flight at a time, so with 5000
 * connections the ring holds up to 5000 operations, and one
 * io_uring_submit_and_wait() both submits the batch and collects what
 * finished.  Only the showdown includes this file, so only the showdown
 * links liburing (chapters/07-showdown/rules.mk). */
#ifndef URING_MODEL_H
#define URING_MODEL_H

#include "timing.h"

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { UM_CONNECT, UM_SEND, UM_RECV };

struct um_conn {
    int fd, c, k, op, len, got;
    double t0;
    char line[32], reply[64];
};

struct um_run {
    struct io_uring ring;
    struct sockaddr_in addr;
    int per_conn, open;
    long ok;
    double *lat;
};

/* A free SQE; when the submission queue is full, submit what is there
 * first (the kernel copies it out), so any number of connections fit. */
static struct io_uring_sqe *um_sqe(struct um_run *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe) {
        io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

static void um_close(struct um_run *u, struct um_conn *s)
{
    close(s->fd);
    s->fd = -1;
    u->open--;
}

/* Queue the next operation of s; a connection that cannot is closed. */
static void um_queue(struct um_run *u, struct um_conn *s, int op)
{
    struct io_uring_sqe *sqe = um_sqe(u);
    if (!sqe) {
        um_close(u, s);
        return;
    }
    s->op = op;
    if (op == UM_CONNECT)
        io_uring_prep_connect(sqe, s->fd, (struct sockaddr *)&u->addr, sizeof u->addr);
    else if (op == UM_SEND)
        io_uring_prep_send(sqe, s->fd, s->line, (size_t)s->len, MSG_NOSIGNAL);
    else
        io_uring_prep_recv(sqe, s->fd, s->reply + s->got, sizeof s->reply - (size_t)s->got, 0);
    io_uring_sqe_set_data(sqe, s);
}

static void um_send_next(struct um_run *u, struct um_conn *s)
{
    s->len = snprintf(s->line, sizeof s->line, "%d.%d\n", s->c, s->k);
    s->got = 0;
    s->t0 = now_s();
    um_queue(u, s, UM_SEND);
}

/* A whole reply is in: check it, time it, and send the next request. */
static void um_reply(struct um_run *u, struct um_conn *s)
{
    if (s->got != s->len || memcmp(s->reply, s->line, (size_t)s->len) != 0) {
        um_close(u, s);
        return;
    }
    u->lat[(size_t)s->c * (size_t)u->per_conn + (size_t)s->k] = (now_s() - s->t0) * 1e3;
    u->ok++;
    if (++s->k == u->per_conn)
        um_close(u, s);
    else
        um_send_next(u, s);
}

/* The continuation: what the finished operation of s leads to. */
static void um_complete(struct um_run *u, struct um_conn *s, int res)
{
    if (res < 0 || (s->op == UM_RECV && res == 0)) {
        um_close(u, s); /* its requests stay failed (-1) */
    } else if (s->op == UM_CONNECT) {
        um_send_next(u, s);
    } else if (s->op == UM_SEND) {
        if (res == s->len) /* a short send of a few bytes on loopback: treat as failed */
            um_queue(u, s, UM_RECV);
        else
            um_close(u, s);
    } else {
        s->got += res;
        if (memchr(s->reply, '\n', (size_t)s->got) || s->got == (int)sizeof s->reply)
            um_reply(u, s);
        else
            um_queue(u, s, UM_RECV);
    }
}

/* The model (model_io_fn): conns connections, per_conn requests each. */
static long uring_model_io(int port, int conns, int per_conn, double *lat)
{
    struct um_run u = { .per_conn = per_conn, .lat = lat };
    struct io_uring_params p = { .flags = IORING_SETUP_CQSIZE };
    p.cq_entries = (unsigned)(conns < 1024 ? 2048 : 2 * conns); /* room for every CQE */
    for (size_t i = 0; i < (size_t)conns * (size_t)per_conn; i++)
        lat[i] = -1; /* until proved otherwise */
    struct um_conn *s = calloc((size_t)conns, sizeof *s);
    if (!s || io_uring_queue_init_params(1024, &u.ring, &p) < 0) {
        free(s);
        return -1;
    }
    u.addr = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    u.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int c = 0; c < conns; c++) {
        s[c] = (struct um_conn){ .c = c, .fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) };
        if (s[c].fd >= 0 && ++u.open)
            um_queue(&u, &s[c], UM_CONNECT);
    }
    while (u.open > 0) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        if (io_uring_submit_and_wait(&u.ring, 1) < 0)
            break;
        io_uring_for_each_cqe(&u.ring, head, cqe) {
            um_complete(&u, io_uring_cqe_get_data(cqe), cqe->res);
            seen++;
        }
        io_uring_cq_advance(&u.ring, seen);
    }
    for (int c = 0; c < conns; c++) /* only after a failed wait */
        if (s[c].fd >= 0)
            close(s[c].fd);
    io_uring_queue_exit(&u.ring);
    free(s);
    return u.ok;
}

#endif
