/* fs_async.c: file requests, and a doorbell for other threads.
 *
 * Part 1 writes a file, reads it back and removes it, every step a
 * uv_fs_* request whose callback starts the next step: the shape that
 * `await` hides in Python.  Each request runs on libuv's thread pool,
 * because Linux has no readiness notification for regular files.
 *
 * Part 2 is uv_async_t: uv_async_send() is the one libuv call on a loop
 * or a handle that is safe from any thread (uv_mutex_*, uv_thread_* and
 * uv_hrtime() are thread-safe too, but touch no loop).  A worker thread
 * counts primes and rings the loop after every block;
 * rings that arrive while the loop is busy merge into one callback, so
 * the count itself travels in an atomic variable, not in the ring. */
#include "primes.h"
#include "timing.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

// [snippet fs_chain]
struct file_job {
    uv_fs_t req; /* reused for each step, cleaned up after each */
    uv_file fd;
    char path[64];
    char text[64], back[64];
};

static void on_unlinked(uv_fs_t *req);
static void on_read_done(uv_fs_t *req);
static void on_written(uv_fs_t *req);

static int check(uv_fs_t *req, const char *step)
{
    ssize_t r = req->result;
    uv_fs_req_cleanup(req);
    if (r < 0)
        fprintf(stderr, "%s: %s\n", step, uv_strerror((int)r));
    return r < 0;
}

static void on_opened(uv_fs_t *req)
{
    struct file_job *j = req->data;
    j->fd = (uv_file)req->result;
    if (check(req, "open"))
        return;
    uv_buf_t buf = uv_buf_init(j->text, (unsigned)strlen(j->text));
    uv_fs_write(req->loop, req, j->fd, &buf, 1, 0, on_written);
}

static void on_written(uv_fs_t *req)
{
    struct file_job *j = req->data;
    if (check(req, "write"))
        return;
    uv_buf_t buf = uv_buf_init(j->back, sizeof j->back - 1);
    uv_fs_read(req->loop, req, j->fd, &buf, 1, 0, on_read_done); /* offset 0 */
}

static void on_read_done(uv_fs_t *req)
{
    struct file_job *j = req->data;
    ssize_t n = req->result;
    if (check(req, "read"))
        return;
    j->back[n] = '\0';
    printf("  read back %zd bytes: %s", n, j->back);
    /* With a NULL callback a uv_fs_* call is synchronous: close() runs
     * here, on the loop thread.  Fine for close(); not for a slow disk. */
    uv_fs_close(req->loop, req, j->fd, NULL);
    uv_fs_req_cleanup(req);
    uv_fs_unlink(req->loop, req, j->path, on_unlinked);
}

static void on_unlinked(uv_fs_t *req)
{
    struct file_job *j = req->data;
    if (!check(req, "unlink"))
        printf("  removed %s\n", j->path);
}
// [end fs_chain]

// [snippet async]
struct progress {
    uv_async_t bell;
    _Atomic long done;  /* numbers checked so far: written by the worker */
    _Atomic int finished;
    long rings, calls;  /* how often the bell rang, and how often it was heard */
};

static void worker(void *arg)
{
    struct progress *p = arg;
    const long n = quick_mode() ? 200000 : 2000000, block = 1000;
    for (long lo = 0; lo < n; lo += block) {
        count_primes((uint64_t)lo, (uint64_t)(lo + block));
        atomic_store(&p->done, lo + block);
        p->rings++;
        uv_async_send(&p->bell); /* the only handle call safe from here */
    }
    atomic_store(&p->finished, 1);
    uv_async_send(&p->bell);
}

static void on_bell(uv_async_t *bell) /* on the loop's thread */
{
    struct progress *p = bell->data;
    p->calls++;
    /* Not uv_close() here: the worker may not have made its last
     * uv_async_send() yet, and a send to a closed handle is a bug.
     * Stop the loop; main() joins the worker first, then closes. */
    if (atomic_load(&p->finished))
        uv_stop(bell->loop);
}
// [end async]

int main(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);

    printf("part 1: a chain of file requests\n");
    struct file_job job = { .text = "written and read by libuv requests\n" };
    snprintf(job.path, sizeof job.path, "/tmp/uv-fs-demo-%d.txt", (int)getpid());
    job.req.data = &job;
    uv_fs_open(&loop, &job.req, job.path, O_CREAT | O_TRUNC | O_RDWR, 0600, on_opened);
    uv_run(&loop, UV_RUN_DEFAULT);

    printf("part 2: a worker thread rings the loop\n");
    struct progress p = { 0 };
    uv_async_init(&loop, &p.bell, on_bell);
    p.bell.data = &p;
    uv_thread_t t;
    double t0 = now_s();
    uv_thread_create(&t, worker, &p);
    uv_run(&loop, UV_RUN_DEFAULT); /* until on_bell() sees `finished` */
    uv_thread_join(&t);             /* no send can come after this */
    uv_close((uv_handle_t *)&p.bell, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);  /* the close completes */
    printf("  the worker rang %ld times in %.0f ms; the loop was called %ld times "
           "(rings merge while the loop is busy or asleep)\n",
           p.rings + 1, (now_s() - t0) * 1e3, p.calls);
    return uv_loop_close(&loop) == 0 && p.calls >= 1 ? 0 : 1;
}
