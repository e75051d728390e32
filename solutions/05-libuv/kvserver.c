/* Reference solution for exercise 5.2: a key-value server on libuv.
 *
 * Each client owns its line buffer, and libuv reads straight into the
 * free part of it (alloc_cb hands out that space), so no bytes are copied
 * before they are parsed.  Every handle's `data` points at the memory to
 * free when it closes (NULL for the handles that live in struct server),
 * which lets one close callback and one uv_walk() shut everything down. */
#include "kvserver.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define BUCKETS 4096

struct entry {
    struct entry *next;
    char *key, *value;
};

struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_poll_t stop;
    struct entry *table[BUCKETS];
};

struct client {
    uv_tcp_t tcp; /* first member: a handle pointer is a client pointer */
    uv_shutdown_t shutdown;
    struct server *srv;
    size_t len; /* bytes of an unfinished line in `line` */
    char line[KV_MAX_LINE];
};

struct reply {
    uv_write_t req;
    char text[]; /* must live until the write completes */
};

/* ---- the store: a chained hash table -------------------------------- */

static struct entry **slot(struct server *s, const char *key)
{
    unsigned long h = 5381;
    for (const char *p = key; *p; p++)
        h = h * 33 + (unsigned char)*p;
    struct entry **e = &s->table[h % BUCKETS];
    while (*e && strcmp((*e)->key, key) != 0)
        e = &(*e)->next;
    return e; /* the matching entry, or the NULL at the end of the chain */
}

static int store_set(struct server *s, const char *key, const char *value)
{
    struct entry **e = slot(s, key);
    char *v = strdup(value);
    if (!v)
        return -1;
    if (!*e) {
        struct entry *n = calloc(1, sizeof *n);
        if (!n || !(n->key = strdup(key))) {
            free(n);
            free(v);
            return -1;
        }
        *e = n;
    }
    free((*e)->value);
    (*e)->value = v;
    return 0;
}

static int store_del(struct server *s, const char *key)
{
    struct entry **e = slot(s, key), *gone = *e;
    if (!gone)
        return 0;
    *e = gone->next;
    free(gone->key);
    free(gone->value);
    free(gone);
    return 1;
}

static void store_free(struct server *s)
{
    for (int i = 0; i < BUCKETS; i++)
        while (s->table[i])
            store_del(s, s->table[i]->key);
}

/* ---- closing ---------------------------------------------------------- */

// [snippet close]
/* One close callback for every handle: free what `data` points at. */
static void on_closed(uv_handle_t *h)
{
    free(h->data);
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) /* closing twice is an error in libuv */
        uv_close(h, on_closed);
}
// [end close]

/* ---- replies ---------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
    (void)status; /* a failed write means the client is gone: read sees it */
    free(req);
}

static void send_line(struct client *c, const char *a, const char *b)
{
    size_t la = strlen(a), lb = b ? strlen(b) : 0;
    struct reply *r = malloc(sizeof *r + la + lb + 1);
    if (!r)
        return;
    memcpy(r->text, a, la);
    if (b)
        memcpy(r->text + la, b, lb);
    r->text[la + lb] = '\n';
    uv_buf_t buf = uv_buf_init(r->text, (unsigned)(la + lb + 1));
    if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0)
        free(r);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    close_handle((uv_handle_t *)req->handle, NULL);
}

/* Send a last line, then close once everything queued has been sent. */
static void send_and_hang_up(struct client *c, const char *line)
{
    send_line(c, line, NULL);
    uv_read_stop((uv_stream_t *)&c->tcp);
    if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        close_handle((uv_handle_t *)&c->tcp, NULL);
}

/* ---- requests --------------------------------------------------------- */

static int is_key(const char *w)
{
    return w && *w && !strchr(w, ' ');
}

/* One request; returns 0 to go on reading, 1 once the client is done. */
static int handle_line(struct client *c, char *line)
{
    size_t n = strlen(line);
    if (n && line[n - 1] == '\r')
        line[n - 1] = '\0';
    char *args = strchr(line, ' ');
    if (args)
        *args++ = '\0';
    struct server *s = c->srv;
    if (strcmp(line, "PING") == 0 && !args) {
        send_line(c, "PONG", NULL);
    } else if (strcmp(line, "GET") == 0 && is_key(args)) {
        struct entry *e = *slot(s, args);
        e ? send_line(c, "VALUE ", e->value) : send_line(c, "NOT_FOUND", NULL);
    } else if (strcmp(line, "DEL") == 0 && is_key(args)) {
        send_line(c, store_del(s, args) ? "DELETED" : "NOT_FOUND", NULL);
    } else if (strcmp(line, "SET") == 0 && args && strchr(args, ' ') &&
               strchr(args, ' ') != args && strchr(args, ' ')[1]) {
        char *value = strchr(args, ' ');
        *value++ = '\0';
        send_line(c, store_set(s, args, value) == 0 ? "OK" : "ERR out of memory", NULL);
    } else if (strcmp(line, "QUIT") == 0 && !args) {
        send_and_hang_up(c, "BYE");
        return 1;
    } else if (strcmp(line, "PING") == 0 || strcmp(line, "GET") == 0 ||
               strcmp(line, "DEL") == 0 || strcmp(line, "SET") == 0 ||
               strcmp(line, "QUIT") == 0) {
        send_line(c, "ERR wrong arguments", NULL);
    } else {
        send_line(c, "ERR unknown command", NULL);
    }
    return 0;
}

// [snippet read]
/* libuv reads straight into the free end of the client's line buffer. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct client *c = (struct client *)h;
    *buf = uv_buf_init(c->line + c->len, (unsigned)(KV_MAX_LINE - c->len));
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct client *c = (struct client *)stream;
    if (nread < 0) { /* UV_EOF, or UV_ECONNRESET...: this client is gone */
        close_handle((uv_handle_t *)stream, NULL);
        return;
    }
    c->len += (size_t)nread;
    char *start = c->line, *nl;
    while ((nl = memchr(start, '\n', c->len - (size_t)(start - c->line)))) {
        *nl = '\0';
        if (handle_line(c, start))
            return; /* QUIT: ignore whatever follows */
        start = nl + 1;
    }
    c->len -= (size_t)(start - c->line); /* keep the unfinished line */
    memmove(c->line, start, c->len);
    if (c->len == KV_MAX_LINE) /* full, and still no '\n' */
        send_and_hang_up(c, "ERR line too long");
}
// [end read]

// [snippet accept]
static void on_connection(uv_stream_t *listener, int status)
{
    struct server *s = listener->loop->data;
    if (status < 0)
        return; /* e.g. out of descriptors: try again on the next one */
    struct client *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    uv_tcp_init(&s->loop, &c->tcp);
    c->tcp.data = c; /* freed by on_closed */
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        close_handle((uv_handle_t *)&c->tcp, NULL);
}
// [end accept]

// [snippet stop]
/* stop_fd is readable: close every handle the loop has.  uv_run() then
 * returns by itself, once the last close callback has run. */
static void on_stop(uv_poll_t *poll, int status, int events)
{
    (void)status;
    (void)events;
    uv_walk(poll->loop, close_handle, NULL);
}

int kv_serve(int listen_fd, int stop_fd)
{
    signal(SIGPIPE, SIG_IGN); /* a vanished client is an error code, not death */
    struct server *s = calloc(1, sizeof *s);
    if (!s || uv_loop_init(&s->loop) != 0) {
        free(s);
        return -1;
    }
    s->loop.data = s; /* callbacks find the server through their loop */
    uv_tcp_init(&s->loop, &s->listener);
    uv_poll_init(&s->loop, &s->stop, stop_fd);
    s->listener.data = s->stop.data = NULL; /* they live in *s */
    int err = uv_tcp_open(&s->listener, listen_fd);
    if (!err)
        err = uv_listen((uv_stream_t *)&s->listener, SOMAXCONN, on_connection);
    if (!err)
        err = uv_poll_start(&s->stop, UV_READABLE, on_stop);
    if (err) {
        fprintf(stderr, "kv_serve: %s\n", uv_strerror(err));
        uv_walk(&s->loop, close_handle, NULL);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&s->loop); /* UV_EBUSY if a handle is still open */
    store_free(s);
    free(s);
    return err || rc ? -1 : 0;
}
// [end stop]
