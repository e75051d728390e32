/* Reference solution for exercise 5.1: children run from the loop.
 *
 * Each job has two handles, the process and the pipe its stdout comes
 * through, and each is closed by its own last event: the process handle
 * in the exit callback, the pipe at end of file.  The job is finished
 * when both are closed, in whichever order that happens, and uv_run()
 * returns when every job is: nothing else is needed to wait for them. */
#include "spawner.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>

struct job {
    uv_process_t proc;
    uv_pipe_t out;
    struct job_result *res;
    size_t cap; /* bytes allocated for res->output */
};

static void no_op(uv_handle_t *h)
{
    (void)h; /* the handles live in the jobs array, freed after the loop */
}

// [snippet exit]
static void on_child_exit(uv_process_t *proc, int64_t status, int signal)
{
    struct job *j = proc->data;
    j->res->exit_status = status;
    j->res->term_signal = signal;
    uv_close((uv_handle_t *)proc, no_op); /* the output may still be coming */
}
// [end exit]

/* libuv reads straight into the free end of the output buffer. */
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct job *j = h->data;
    struct job_result *r = j->res;
    if (j->cap - r->output_len < 65536 + 1) {
        size_t cap = 2 * j->cap + 65536 + 1;
        char *p = realloc(r->output, cap);
        if (!p) {
            *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
            return;
        }
        r->output = p;
        j->cap = cap;
    }
    *buf = uv_buf_init(r->output + r->output_len,
                       (unsigned)(j->cap - r->output_len - 1)); /* room for NUL */
}

// [snippet read]
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    (void)buf;
    struct job *j = stream->data;
    if (nread > 0) {
        j->res->output_len += (size_t)nread;
        j->res->output[j->res->output_len] = '\0';
    } else if (nread < 0) { /* UV_EOF: every writer has closed the pipe */
        uv_close((uv_handle_t *)stream, no_op); /* the process may still run */
    }
}
// [end read]

// [snippet spawn]
static void start_job(uv_loop_t *loop, struct job *j, char **argv)
{
    uv_pipe_init(loop, &j->out, 0);
    j->out.data = j->proc.data = j;
    uv_stdio_container_t stdio[3] = {
        { .flags = UV_IGNORE },                             /* stdin: /dev/null */
        { .flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE,       /* the child writes */
          .data.stream = (uv_stream_t *)&j->out },
        { .flags = UV_INHERIT_FD, .data.fd = 2 },           /* stderr: ours */
    };
    uv_process_options_t opt = {
        .exit_cb = on_child_exit, .file = argv[0], .args = argv,
        .stdio = stdio, .stdio_count = 3,
    };
    int err = uv_spawn(loop, &j->proc, &opt);
    if (err) { /* e.g. UV_ENOENT; the handle must be closed all the same */
        j->res->spawn_error = err;
        uv_close((uv_handle_t *)&j->proc, no_op);
        uv_close((uv_handle_t *)&j->out, no_op);
    } else if (uv_read_start((uv_stream_t *)&j->out, on_alloc, on_read) != 0) {
        uv_close((uv_handle_t *)&j->out, no_op); /* still wait for its exit */
    }
}
// [end spawn]

int run_jobs(int n, char **const cmds[], struct job_result results[])
{
    uv_loop_t loop;
    struct job *jobs = calloc((size_t)n + 1, sizeof *jobs);
    if (!jobs || uv_loop_init(&loop) != 0) {
        free(jobs);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        results[i] = (struct job_result){ .output = calloc(1, 1) };
        jobs[i].res = &results[i];
        jobs[i].cap = results[i].output ? 1 : 0;
        start_job(&loop, &jobs[i], cmds[i]);
    }
    uv_run(&loop, UV_RUN_DEFAULT); /* until every handle is closed */
    free(jobs);
    return uv_loop_close(&loop) == 0 ? 0 : -1;
}

void free_job_results(int n, struct job_result results[])
{
    for (int i = 0; i < n; i++) {
        free(results[i].output);
        results[i].output = NULL;
    }
}
