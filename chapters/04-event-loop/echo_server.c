/* echo_server.c: an echo server on lib/evloop, with partial reads and
 * writes and backpressure.
 *
 * Each connection owns one fixed buffer.  Bytes read from the client go in
 * at the tail; bytes written back leave from the head.  What the
 * connection waits for follows from the buffer alone: room left, so wait
 * to read; bytes left, so wait to write.  When the client sends faster
 * than it reads, the buffer fills and the server stops reading from it:
 * TCP's flow control then slows the client down.  That is backpressure,
 * and it is why this server needs 64 KiB per connection however much a
 * client sends.
 *
 * The demo runs the server on the main thread and a client on a second
 * thread: the client sends 16 MB (4 MB with QUICK=1) while reading back
 * slowly, checks every byte, and rings a notifier to stop the loop. */
#define _GNU_SOURCE
#include "evloop.h"
#include "net.h"
#include "timing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// [snippet conn]
#define BUF_SIZE (64 * 1024) /* per connection: the most we ever hold */

struct conn {
    int fd;
    int eof;            /* the client has shut down its sending side */
    size_t head, tail;  /* buf[head..tail) is read but not yet echoed */
    char buf[BUF_SIZE];
};
// [end conn]

static struct {
    long reads, writes, short_writes, would_block, pauses;
} stats;

static int listen_fd = -1; /* paused (watched for nothing) while out of fds */

static void conn_close(struct el_loop *loop, struct conn *c)
{
    el_unwatch(loop, c->fd); /* unwatch first, then close */
    close(c->fd);
    free(c);
    if (el_events(loop, listen_fd) == 0) /* a descriptor is free again */
        el_set_events(loop, listen_fd, EL_READ);
}

// [snippet on_client]
/* Called when the client's socket is readable and/or writable.  Read what
 * fits, write what we can, then decide what to wait for next. */
static void on_client(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct conn *c = data;
    if (events & EL_READ) {
        if (c->head > 0 && c->tail == BUF_SIZE) { /* make room at the end */
            memmove(c->buf, c->buf + c->head, c->tail - c->head);
            c->tail -= c->head;
            c->head = 0;
        }
        ssize_t n = read(fd, c->buf + c->tail, BUF_SIZE - c->tail);
        if (n > 0) {
            c->tail += (size_t)n; /* maybe less than asked: a partial read */
            stats.reads++;
        } else if (n == 0) {
            c->eof = 1; /* echo what is left, then close */
        } else if (errno != EAGAIN && errno != EINTR) {
            conn_close(loop, c); /* reset by the peer, or worse */
            return;
        }
    }
    if (c->tail > c->head) { /* try to write even without EL_WRITE: usually it fits */
        ssize_t n = send(fd, c->buf + c->head, c->tail - c->head, MSG_NOSIGNAL);
        if (n >= 0) {
            stats.writes++;
            stats.short_writes += (size_t)n < c->tail - c->head; /* a partial write */
            c->head += (size_t)n;
        } else if (errno == EAGAIN) {
            stats.would_block++; /* the socket's send buffer is full */
        } else if (errno != EINTR) {
            conn_close(loop, c);
            return;
        }
        if (c->head == c->tail)
            c->head = c->tail = 0;
    }
    int pending = c->tail > c->head;
    if (c->eof && !pending) {
        conn_close(loop, c);
        return;
    }
    int room = c->tail < BUF_SIZE || c->head > 0;
    unsigned want = (room && !c->eof ? EL_READ : 0) | (pending ? EL_WRITE : 0);
    if (!(want & EL_READ) && (el_events(loop, fd) & EL_READ))
        stats.pauses++; /* backpressure: stop reading until we can write */
    el_set_events(loop, fd, want);
}
// [end on_client]

// [snippet on_accept]
static void on_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events, (void)data;
    for (;;) { /* take every pending connection: there may be several */
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
            /* Out of descriptors.  The connection stays queued, so the
             * level-triggered listener stays readable and the loop would
             * spin at full CPU: stop watching it until conn_close()
             * frees a descriptor. */
            el_set_events(loop, lfd, 0);
            return;
        }
        if (fd < 0)
            return; /* EAGAIN: none left; anything else: next turn */
        /* A small send buffer makes partial writes show up in a short
         * demo; real servers leave the kernel's (several MB) alone. */
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ 32 * 1024 }, sizeof(int));
        struct conn *c = calloc(1, sizeof *c);
        if (!c || el_watch(loop, fd, EL_READ, on_client, c) != 0) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
    }
}
// [end on_accept]

/* ---- the client, on its own thread ------------------------------------ */

struct client {
    int port;
    size_t bytes;
    struct el_notify *done;
    int ok;
};

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + i / 4096);
}

static void *sender(void *arg)
{
    int *fd_bytes = arg;
    unsigned char chunk[8192];
    size_t sent = 0, total = (size_t)fd_bytes[1];
    while (sent < total) {
        size_t n = total - sent < sizeof chunk ? total - sent : sizeof chunk;
        for (size_t i = 0; i < n; i++)
            chunk[i] = pattern(sent + i);
        if (write(fd_bytes[0], chunk, n) != (ssize_t)n)
            break;
        sent += n;
    }
    shutdown(fd_bytes[0], SHUT_WR); /* the server sees end of file */
    return NULL;
}

static void *client(void *arg)
{
    struct client *cl = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cl->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    /* A small receive window (set before connecting), for the same reason. */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ 16 * 1024 }, sizeof(int));
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    int fd_bytes[2] = { fd, (int)cl->bytes };
    pthread_t t;
    pthread_create(&t, NULL, sender, fd_bytes);
    usleep(100000); /* read nothing for a while: the server's buffer fills */
    unsigned char buf[4096];
    size_t got = 0;
    ssize_t n;
    cl->ok = 1;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++)
            cl->ok &= buf[i] == pattern(got + (size_t)i);
        got += (size_t)n;
        if (got % (256 * 1024) < (size_t)n)
            usleep(2000); /* a slow reader */
    }
    cl->ok &= got == cl->bytes;
    pthread_join(t, NULL);
    close(fd);
    el_notify_send(cl->done); /* the loop stops on its own thread */
    return NULL;
}

static void stop_loop(struct el_loop *loop, struct el_notify *n, void *data)
{
    (void)n, (void)data;
    el_stop(loop);
}

int main(void)
{
    int port = 0;
    int lfd = listen_fd = tcp_listen_loopback(&port);
    struct el_loop *loop = el_loop_new();
    struct el_notify done;
    if (lfd < 0 || !loop || set_nonblocking(lfd) != 0 ||
        el_notify_init(loop, &done, stop_loop, NULL) != 0 ||
        el_watch(loop, lfd, EL_READ, on_accept, NULL) != 0) {
        perror("echo_server");
        return 1;
    }
    struct client cl = { port, (quick_mode() ? 4u : 16u) << 20, &done, 0 };
    pthread_t t;
    pthread_create(&t, NULL, client, &cl);
    double t0 = now_s();
    el_run(loop);
    pthread_join(t, NULL);
    printf("echoed %zu MB in %.2f s through a %d KiB buffer: %s\n", cl.bytes >> 20,
           now_s() - t0, BUF_SIZE / 1024, cl.ok ? "every byte correct" : "WRONG DATA");
    printf("server: %ld reads, %ld writes (%ld partial), %ld writes refused with "
           "EAGAIN, %ld pauses in reading (backpressure)\n",
           stats.reads, stats.writes, stats.short_writes, stats.would_block,
           stats.pauses);
    el_notify_close(loop, &done);
    el_unwatch(loop, lfd);
    close(lfd);
    el_loop_free(loop);
    return cl.ok ? 0 : 1;
}
