/* echo_server.c: an echo server on libuv, and a clean shutdown.
 *
 * The server half is the whole of a libuv TCP server: a listening
 * handle, one uv_tcp_t per client, a read callback that writes back what
 * it got, and a write callback that frees the buffer.  The demo also runs
 * its clients on the same loop (uv_tcp_connect), 200 of them (20 with
 * QUICK=1), each sending a few lines and checking the echo.  When the
 * last client is done, one uv_walk() closes whatever is left, the loop
 * runs out, and uv_loop_close() succeeds.
 *
 *   build/demo/05-libuv/echo_server --serve    serve until Ctrl-C
 * prints its port; try it with `nc 127.0.0.1 PORT`.  Ctrl-C runs the same
 * shutdown, through a uv_signal_t. */
#include "timing.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

static void on_closed(uv_handle_t *h)
{
    free(h->data); /* NULL for the handles that live in main() */
}

// [snippet shutdown]
static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, on_closed);
}

/* No list of clients is needed: the loop knows every handle. */
static void shut_down(uv_loop_t *loop)
{
    uv_walk(loop, close_one, NULL);
}
// [end shutdown]

/* ---- the server --------------------------------------------------------- */

// [snippet echo]
struct echo_write {
    uv_write_t req;
    uv_buf_t buf; /* the bytes must live until the write completes */
};

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    char *base = malloc(suggested); /* NULL: a length of 0 makes libuv
                                       report UV_ENOBUFS to the read callback */
    *buf = uv_buf_init(base, base ? (unsigned)suggested : 0);
}

static void on_echoed(uv_write_t *req, int status)
{
    (void)status; /* an error here shows up in the next read as well */
    struct echo_write *w = (struct echo_write *)req;
    free(w->buf.base);
    free(w);
}

static void on_server_read(uv_stream_t *client, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) {
        struct echo_write *w = malloc(sizeof *w);
        w->buf = uv_buf_init(buf->base, (unsigned)n);
        uv_write(&w->req, client, &w->buf, 1, on_echoed); /* the buffer moves on */
        return;
    }
    free(buf->base); /* n == 0 (nothing this time) or n < 0 */
    if (n < 0)       /* UV_EOF, or an error: the client is gone */
        close_one((uv_handle_t *)client, NULL);
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0) {
        fprintf(stderr, "accept: %s\n", uv_strerror(status));
        return;
    }
    uv_tcp_t *client = malloc(sizeof *client);
    uv_tcp_init(server->loop, client);
    client->data = client; /* on_closed frees it */
    if (uv_accept(server, (uv_stream_t *)client) == 0)
        uv_read_start((uv_stream_t *)client, on_alloc, on_server_read);
    else
        close_one((uv_handle_t *)client, NULL);
}
// [end echo]

/* ---- the clients, on the same loop ------------------------------------- */

#define LINES 5

struct client {
    uv_tcp_t tcp; /* first: the handle's address is the struct's */
    uv_connect_t connect;
    uv_write_t write;
    char text[LINES * 32];
    size_t len, got;
    char echo[LINES * 32];
};

static int clients_left, clients_ok;

static void client_done(struct client *c)
{
    close_one((uv_handle_t *)&c->tcp, NULL);
    if (--clients_left == 0)
        shut_down(c->tcp.loop); /* the listener is all that is left */
}

static void on_client_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct client *c = (struct client *)s;
    if (n > 0 && c->got + (size_t)n <= c->len) {
        memcpy(c->echo + c->got, buf->base, (size_t)n);
        c->got += (size_t)n;
    }
    free(buf->base);
    if (n < 0 || c->got == c->len) {
        clients_ok += c->got == c->len && memcmp(c->echo, c->text, c->len) == 0;
        client_done(c);
    }
}

static void on_client_wrote(uv_write_t *req, int status)
{
    (void)req, (void)status;
}

static void on_connected(uv_connect_t *req, int status)
{
    struct client *c = req->data;
    if (status < 0) { /* nothing to write to or read from: close it */
        fprintf(stderr, "connect: %s\n", uv_strerror(status));
        client_done(c);
        return;
    }
    uv_buf_t buf = uv_buf_init(c->text, (unsigned)c->len);
    uv_write(&c->write, (uv_stream_t *)&c->tcp, &buf, 1, on_client_wrote);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_client_read);
}

static void start_client(uv_loop_t *loop, const struct sockaddr *addr, int id)
{
    struct client *c = calloc(1, sizeof *c);
    for (int i = 0; i < LINES; i++)
        c->len += (size_t)sprintf(c->text + c->len, "client %d, line %d\n", id, i);
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    c->connect.data = c;
    uv_tcp_connect(&c->connect, &c->tcp, addr, on_connected);
}

/* ---- main ------------------------------------------------------------------ */

static void on_sigint(uv_signal_t *sig, int signum)
{
    (void)signum;
    printf("\nSIGINT: closing every handle\n");
    shut_down(sig->loop);
}

int main(int argc, char **argv)
{
    int serve = argc > 1 && strcmp(argv[1], "--serve") == 0;
    uv_loop_t loop;
    uv_tcp_t server;
    uv_signal_t sigint;
    struct sockaddr_in addr;
    /* libuv writes to sockets with write(), so a write to a peer that has
     * reset the connection raises SIGPIPE, which kills the process by
     * default.  Ignored, the write fails with UV_EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &server);
    server.data = NULL;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    int err = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    if (!err)
        err = uv_listen((uv_stream_t *)&server, SOMAXCONN, on_connection);
    if (err) {
        fprintf(stderr, "listen: %s\n", uv_strerror(err));
        return 1;
    }
    int len = sizeof addr;
    uv_tcp_getsockname(&server, (struct sockaddr *)&addr, &len);
    if (serve) {
        uv_signal_init(&loop, &sigint);
        sigint.data = NULL;
        uv_signal_start(&sigint, on_sigint, SIGINT);
        printf("echoing on 127.0.0.1:%d; Ctrl-C stops\n", ntohs(addr.sin_port));
        fflush(stdout);
    } else {
        clients_left = quick_mode() ? 20 : 200;
        for (int i = 0, n = clients_left; i < n; i++)
            start_client(&loop, (const struct sockaddr *)&addr, i);
    }
    int total = clients_left;
    double t0 = now_s();
    uv_run(&loop, UV_RUN_DEFAULT);
    err = uv_loop_close(&loop);
    if (!serve)
        printf("%d clients, %d lines each, echoed correctly: %d, in %.1f ms\n",
               total, LINES, clients_ok, (now_s() - t0) * 1e3);
    printf("uv_loop_close: %s\n", err ? uv_strerror(err) : "every handle closed");
    return err || clients_ok != total ? 1 : 0;
}
