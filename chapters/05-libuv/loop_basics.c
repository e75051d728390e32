/* loop_basics.c: a libuv loop, its handles and its requests.
 *
 * Three timers (a one-shot, a repeating one, and one that is never
 * started), one file-system request, and two errors turned into words by
 * uv_strerror().  At the end, uv_loop_close() refuses to close a loop that
 * still has a handle, uv_walk() finds it, and a second try succeeds: the
 * shutdown that every program in this chapter performs. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

static uint64_t start; /* uv_now() when the loop was made */

// [snippet timers]
static void on_tick(uv_timer_t *t)
{
    int *ticks = t->data;
    printf("  tick %d at %llu ms\n", ++*ticks, (unsigned long long)(uv_now(t->loop) - start));
    if (*ticks == 3)
        uv_timer_stop(t); /* an inactive handle no longer keeps the loop alive */
}

static void on_once(uv_timer_t *t)
{
    printf("  one-shot timer at %llu ms\n", (unsigned long long)(uv_now(t->loop) - start));
}
// [end timers]

// [snippet request]
/* A request: one operation, with a callback when it is done.  This one
 * runs stat() on the thread pool; the loop does not wait for it. */
static void on_stat(uv_fs_t *req)
{
    if (req->result < 0)
        printf("  stat(%s): %s (%s)\n", req->path, uv_strerror((int)req->result),
               uv_err_name((int)req->result));
    else
        printf("  stat(%s): %llu bytes\n", req->path,
               (unsigned long long)req->statbuf.st_size);
    uv_fs_req_cleanup(req); /* a request may own memory (here, the path) */
    free(req);
}
// [end request]

// [snippet walk]
static void print_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    printf("  still open: a %s handle, %s\n", uv_handle_type_name(uv_handle_get_type(h)),
           uv_is_active(h) ? "active" : "inactive");
}

static void close_handle(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL); /* nothing to free: our handles live on the stack */
}
// [end walk]

int main(void)
{
    // [snippet main]
    uv_loop_t loop;
    uv_loop_init(&loop);
    start = uv_now(&loop);

    uv_timer_t once, tick, idle;
    int ticks = 0;
    uv_timer_init(&loop, &once);
    uv_timer_init(&loop, &tick);
    uv_timer_init(&loop, &idle); /* initialised, never started */
    tick.data = &ticks;
    uv_timer_start(&once, on_once, 25, 0);  /* in 25 ms, once */
    uv_timer_start(&tick, on_tick, 10, 10); /* in 10 ms, then every 10 ms */

    const char *paths[] = { "/etc/hostname", "/no/such/file" };
    for (int i = 0; i < 2; i++) {
        uv_fs_t *req = malloc(sizeof *req);
        uv_fs_stat(&loop, req, paths[i], on_stat);
    }

    printf("uv_run: until no active handle or request is left\n");
    uv_run(&loop, UV_RUN_DEFAULT);
    // [end main]

    // [snippet errors]
    /* Errors are negative numbers; uv_strerror() and uv_err_name() say
     * what they mean.  Binding to a port that is taken is one; an
     * address that does not parse is another. */
    uv_tcp_t a, b;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    uv_tcp_init(&loop, &a);
    uv_tcp_init(&loop, &b);
    uv_tcp_bind(&a, (const struct sockaddr *)&addr, 0);
    uv_listen((uv_stream_t *)&a, 16, NULL);
    int len = sizeof addr;
    uv_tcp_getsockname(&a, (struct sockaddr *)&addr, &len);
    uv_tcp_bind(&b, (const struct sockaddr *)&addr, 0); /* libuv binds lazily... */
    int err = uv_listen((uv_stream_t *)&b, 16, NULL);   /* ...the error shows here */
    printf("a second listen on port %d: %s (%s)\n", ntohs(addr.sin_port),
           uv_strerror(err), uv_err_name(err));
    err = uv_ip4_addr("127.0.0.300", 80, &addr);
    printf("uv_ip4_addr(\"127.0.0.300\"): %s\n", uv_strerror(err));
    // [end errors]

    // [snippet close]
    err = uv_loop_close(&loop);
    printf("uv_loop_close: %s\n", err ? uv_strerror(err) : "closed");
    uv_walk(&loop, print_handle, NULL);
    uv_walk(&loop, close_handle, NULL);
    uv_run(&loop, UV_RUN_DEFAULT); /* runs the close callbacks */
    err = uv_loop_close(&loop);
    printf("uv_loop_close after uv_walk + uv_close: %s\n", err ? uv_strerror(err) : "closed");
    // [end close]
    return err ? 1 : 0;
}
