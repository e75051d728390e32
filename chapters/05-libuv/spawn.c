/* spawn.c: child processes from the loop, with uv_spawn().
 *
 * Four commands start at once.  Each child's stdout is a pipe that the
 * loop reads like a socket; its exit arrives as a callback (libuv catches
 * SIGCHLD and calls waitpid() for us).  A missing program fails inside
 * uv_spawn() itself, and uv_strerror() says why.  The whole batch takes
 * as long as its slowest child, not the sum of them. */
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

struct child {
    uv_process_t proc;
    uv_pipe_t out;
    char **argv;
    char text[256];
    size_t len;
    double started;
};

// [snippet child]
static void on_exit_status(uv_process_t *proc, int64_t status, int signal)
{
    struct child *c = proc->data;
    printf("  %-8s exited after %3.0f ms: status %lld, signal %d\n", c->argv[0],
           (now_s() - c->started) * 1e3, (long long)status, signal);
    uv_close((uv_handle_t *)proc, NULL);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct child *c = h->data;
    *buf = uv_buf_init(c->text + c->len, (unsigned)(sizeof c->text - 1 - c->len));
}

static void on_output(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    struct child *c = s->data;
    if (n > 0)
        c->len += (size_t)n;
    if (n < 0 || c->len == sizeof c->text - 1) { /* UV_EOF (or no room) */
        c->text[c->len] = '\0';
        printf("  %-8s said: %s", c->argv[0], c->len ? c->text : "(nothing)\n");
        uv_close((uv_handle_t *)s, NULL);
    }
}

static void spawn(uv_loop_t *loop, struct child *c)
{
    uv_pipe_init(loop, &c->out, 0);
    c->proc.data = c->out.data = c;
    uv_stdio_container_t stdio[3] = {
        { .flags = UV_IGNORE },
        { .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&c->out },
        { .flags = UV_INHERIT_FD, .data.fd = 2 },
    };
    uv_process_options_t opt = { .file = c->argv[0], .args = c->argv,
                                 .exit_cb = on_exit_status,
                                 .stdio = stdio, .stdio_count = 3 };
    c->started = now_s();
    int err = uv_spawn(loop, &c->proc, &opt);
    if (err) {
        printf("  %-8s could not start: %s\n", c->argv[0], uv_strerror(err));
        uv_close((uv_handle_t *)&c->proc, NULL); /* initialised all the same */
        uv_close((uv_handle_t *)&c->out, NULL);
        return;
    }
    uv_read_start((uv_stream_t *)&c->out, on_alloc, on_output);
}
// [end child]

int main(void)
{
    char *slow[] = { "sh", "-c", "sleep 0.2; echo I took 200 ms", NULL };
    char *fast[] = { "uname", "-s", NULL };
    char *fails[] = { "false", NULL };
    char *missing[] = { "no-such-program", NULL };
    char **cmds[] = { slow, fast, fails, missing };
    struct child kids[4];
    uv_loop_t loop;
    uv_loop_init(&loop);
    double t0 = now_s();
    for (int i = 0; i < 4; i++) {
        memset(&kids[i], 0, sizeof kids[i]);
        kids[i].argv = cmds[i];
        spawn(&loop, &kids[i]);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    printf("all four done in %.0f ms\n", (now_s() - t0) * 1e3);
    return uv_loop_close(&loop) == 0 ? 0 : 1;
}
