/* Reference solution for exercise 5.3: PRIMES runs on libuv's thread pool.
 *
 * The one hard question is who frees a client.  Two things hold on to
 * it: its open handle, and a count running on the pool for it.  Each
 * holds a reference; the close callback drops the first, the after-work
 * callback the second, and whoever drops the last one frees the client.
 * A count that finishes after its client has gone just throws its result
 * away. */
#include "offload.h"

#include "primes.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

struct job;

struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_poll_t stop;
    struct job *jobs; /* queued or running, so that a stop can cancel them */
};

struct client {
    uv_tcp_t tcp;  /* first member: a handle pointer is a client pointer */
    int refs;      /* the open handle, plus a count on the pool */
    int closed;    /* the handle is closing or closed: do not write */
    size_t len;
    char line[OFFLOAD_MAX_LINE];
};

// [snippet job]
struct job {
    uv_work_t req;     /* req.data: the server */
    struct job *next, **prev;
    struct client *client;
    uint64_t lo, hi;
    long count;        /* written by the worker, read after the work */
};
// [end job]

struct reply {
    uv_write_t req;
    char text[];
};

static void client_unref(struct client *c)
{
    if (--c->refs == 0)
        free(c);
}

static void on_closed(uv_handle_t *h)
{
    if (h->data) /* a client; the server's own handles have data == NULL */
        client_unref(h->data);
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (h->data)
        ((struct client *)h->data)->closed = 1;
    if (!uv_is_closing(h))
        uv_close(h, on_closed);
}

static void on_written(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

static void send_line(struct client *c, const char *text)
{
    size_t n = strlen(text);
    struct reply *r = malloc(sizeof *r + n + 1);
    if (!r)
        return;
    memcpy(r->text, text, n);
    r->text[n] = '\n';
    uv_buf_t buf = uv_buf_init(r->text, (unsigned)n + 1);
    if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0)
        free(r);
}

// [snippet work]
/* On a pool thread: touch nothing but the job itself. */
static void count_on_pool(uv_work_t *req)
{
    struct job *j = (struct job *)req;
    j->count = count_primes(j->lo, j->hi);
}

/* Back on the loop thread, once the count is done (or was cancelled). */
static void after_count(uv_work_t *req, int status)
{
    struct job *j = (struct job *)req;
    struct client *c = j->client;
    if (status == 0 && !c->closed) {
        char text[32];
        snprintf(text, sizeof text, "%ld", j->count);
        send_line(c, text);
    }
    *j->prev = j->next; /* off the server's list */
    if (j->next)
        j->next->prev = j->prev;
    client_unref(c); /* the reference the job held */
    free(j);
}

static void start_count(struct client *c, uint64_t lo, uint64_t hi)
{
    struct server *s = c->tcp.loop->data;
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        send_line(c, "ERR out of memory");
        return;
    }
    *j = (struct job){ .client = c, .lo = lo, .hi = hi };
    j->next = s->jobs; /* on the server's list */
    j->prev = &s->jobs;
    if (s->jobs)
        s->jobs->prev = &j->next;
    s->jobs = j;
    c->refs++; /* the client must outlive the job */
    uv_queue_work(&s->loop, &j->req, count_on_pool, after_count);
}
// [end work]

static void handle_line(struct client *c, char *line)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    uint64_t lo, hi;
    char extra;
    if (strcmp(line, "PING") == 0)
        send_line(c, "PONG");
    else if (strncmp(line, "PRIMES ", 7) != 0 && strcmp(line, "PRIMES") != 0)
        send_line(c, "ERR unknown command");
    else if (sscanf(line, "PRIMES %" SCNu64 " %" SCNu64 " %c", &lo, &hi, &extra) != 2 ||
             strchr(line, '-') || lo > hi || hi > 100000000)
        send_line(c, "ERR wrong arguments");
    else
        start_count(c, lo, hi);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct client *c = (struct client *)h;
    *buf = uv_buf_init(c->line + c->len, (unsigned)(OFFLOAD_MAX_LINE - c->len));
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_handle((uv_handle_t *)req->handle, NULL);
    free(req);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct client *c = (struct client *)stream;
    if (nread < 0) {
        close_handle((uv_handle_t *)stream, NULL);
        return;
    }
    c->len += (size_t)nread;
    char *start = c->line, *nl;
    while ((nl = memchr(start, '\n', c->len - (size_t)(start - c->line)))) {
        *nl = '\0';
        handle_line(c, start);
        start = nl + 1;
    }
    c->len -= (size_t)(start - c->line);
    memmove(c->line, start, c->len);
    if (c->len == OFFLOAD_MAX_LINE) {
        send_line(c, "ERR line too long");
        uv_read_stop(stream);
        uv_shutdown_t *req = malloc(sizeof *req);
        if (!req || uv_shutdown(req, stream, on_shutdown) != 0) {
            free(req);
            close_handle((uv_handle_t *)stream, NULL);
        }
    }
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct server *s = listener->loop->data;
    if (status < 0)
        return;
    struct client *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->refs = 1; /* the handle's */
    uv_tcp_init(&s->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        close_handle((uv_handle_t *)&c->tcp, NULL);
}

// [snippet stop]
/* Close every handle; cancel the counts that have not started.  Those
 * already running cannot be interrupted: uv_run() goes on until their
 * after-work callbacks have run, because an active request keeps the
 * loop alive just as an open handle does. */
static void on_stop(uv_poll_t *poll, int status, int events)
{
    (void)status;
    (void)events;
    struct server *s = poll->loop->data;
    uv_walk(&s->loop, close_handle, NULL);
    for (struct job *j = s->jobs; j; j = j->next)
        uv_cancel((uv_req_t *)&j->req); /* UV_EBUSY when already running */
}
// [end stop]

int offload_serve(int listen_fd, int stop_fd)
{
    signal(SIGPIPE, SIG_IGN);
    struct server *s = calloc(1, sizeof *s);
    if (!s || uv_loop_init(&s->loop) != 0) {
        free(s);
        return -1;
    }
    s->loop.data = s;
    uv_tcp_init(&s->loop, &s->listener);
    uv_poll_init(&s->loop, &s->stop, stop_fd);
    s->listener.data = s->stop.data = NULL;
    int err = uv_tcp_open(&s->listener, listen_fd);
    if (!err)
        err = uv_listen((uv_stream_t *)&s->listener, SOMAXCONN, on_connection);
    if (!err)
        err = uv_poll_start(&s->stop, UV_READABLE, on_stop);
    if (err) {
        fprintf(stderr, "offload_serve: %s\n", uv_strerror(err));
        uv_walk(&s->loop, close_handle, NULL);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&s->loop);
    free(s);
    return err || rc ? -1 : 0;
}
