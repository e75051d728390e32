/* bench_lag.c: how long a client waits for the loop, while the loop's
 * program also has CPU-bound work to do: on the loop thread, or handed
 * to the thread pool with uv_queue_work().
 *
 * The loop answers a probe: a second thread writes one byte to a socket
 * pair every 2 ms and times how long the echo takes, from when it was due.  Meanwhile a timer
 * brings a CPU task every 50 ms (a prime count of about 20 ms).  "inline"
 * runs the task in the timer callback; "offloaded" queues it on the pool
 * and gets the result in the after-work callback.  Same tasks, same
 * probe, same time; only where the computing happens differs.
 *
 * Output: plots/05-libuv/lag.dat, the probe's round-trip time at every
 * percentile from 1 to 100 (the maximum), in milliseconds. */
#define _GNU_SOURCE
#include "primes.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define MAX_PINGS 20000

static uint64_t task_lo = 2000000, task_hi; /* set so a task takes ~20 ms */
static int offload;
static long tasks_done;

/* ---- the probe: a client on another thread ------------------------------ */

struct probe {
    int fd;
    _Atomic int stop;
    int n;
    double rtt[MAX_PINGS]; /* ms */
};

/* Pings are due every 2 ms whatever happens, as if sent by independent
 * clients, and each one's time counts from when it was due.  (Counting
 * from when it was actually sent would hide most of a stall: while one
 * ping waits, the ones that should have followed it are never sent.) */
static void *probe_main(void *arg)
{
    struct probe *p = arg;
    char b = 'x';
    double start = now_s();
    while (!atomic_load(&p->stop) && p->n < MAX_PINGS) {
        double due = start + 0.002 * p->n, wait = due - now_s();
        if (wait > 0) {
            struct timespec ts = { 0, (long)(wait * 1e9) };
            nanosleep(&ts, NULL);
        }
        if (send(p->fd, &b, 1, MSG_NOSIGNAL) != 1 || read(p->fd, &b, 1) != 1)
            break;
        p->rtt[p->n++] = (now_s() - due) * 1e3;
    }
    return NULL;
}

/* ---- the loop: echo the probe, run the tasks ---------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    static char space[64];
    (void)h, (void)suggested;
    *buf = uv_buf_init(space, sizeof space);
}

static void on_probe(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) {
        uv_buf_t echo = uv_buf_init(buf->base, (unsigned)n);
        uv_try_write(s, &echo, 1); /* one byte always fits */
    } else if (n < 0) {
        uv_close((uv_handle_t *)s, NULL);
    }
}

// [snippet offload]
static void task_work(uv_work_t *req) /* a pool thread */
{
    *(long *)req->data = count_primes(task_lo, task_hi);
}

static void task_done(uv_work_t *req, int status) /* back on the loop */
{
    (void)status;
    tasks_done++;
    free(req->data);
    free(req);
}

static void on_task(uv_timer_t *t) /* a task arrives */
{
    if (!offload) {
        volatile long n = count_primes(task_lo, task_hi); /* the loop waits */
        (void)n;
        tasks_done++;
        return;
    }
    uv_work_t *req = malloc(sizeof *req);
    req->data = malloc(sizeof(long));
    uv_queue_work(t->loop, req, task_work, task_done);
}
// [end offload]

static void close_if_open(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL); /* nothing to free: the handles live in run() */
}

static void on_end(uv_timer_t *t)
{
    uv_walk(t->loop, close_if_open, NULL);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One run; fills p (sorted). */
static void run(struct probe *p, double seconds)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    uv_loop_t loop;
    uv_pipe_t pipe;
    uv_timer_t task, end;
    uv_loop_init(&loop);
    uv_pipe_init(&loop, &pipe, 0);
    uv_pipe_open(&pipe, sv[0]);
    uv_read_start((uv_stream_t *)&pipe, on_alloc, on_probe);
    uv_timer_init(&loop, &task);
    uv_timer_init(&loop, &end);
    uv_timer_start(&task, on_task, 50, 50);
    uv_timer_start(&end, on_end, (uint64_t)(seconds * 1000), 0);
    memset(p, 0, sizeof *p);
    p->fd = sv[1];
    pthread_t t;
    pthread_create(&t, NULL, probe_main, p);
    tasks_done = 0;
    uv_run(&loop, UV_RUN_DEFAULT); /* ends when on_end closes everything */
    atomic_store(&p->stop, 1);
    shutdown(sv[1], SHUT_RDWR); /* a probe blocked in read() returns */
    pthread_join(t, NULL);
    uv_walk(&loop, close_if_open, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    close(sv[1]);
    qsort(p->rtt, (size_t)p->n, sizeof *p->rtt, cmp);
}

int main(void)
{
    double seconds = quick_mode() ? 0.3 : 4.0;
    /* Size a task to about 20 ms on this machine. */
    double per = 1e9, task_ms = 1e9;
    task_hi = task_lo + 100000;
    for (int i = 0; i < 3; i++) { /* the best of three timings */
        double t0 = now_s();
        count_primes(task_lo, task_hi);
        per = now_s() - t0 < per ? now_s() - t0 : per;
    }
    task_hi = task_lo + (uint64_t)(100000 * 0.020 / (per > 0 ? per : 1e-3));
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        count_primes(task_lo, task_hi);
        task_ms = (now_s() - t0) * 1e3 < task_ms ? (now_s() - t0) * 1e3 : task_ms;
    }

    static struct probe inl, off;
    offload = 0;
    run(&inl, seconds);
    long inl_tasks = tasks_done;
    offload = 1;
    run(&off, seconds);
    print_machine(stdout);
    printf("# a %.1f ms prime count every 50 ms for %.1f s; a ping is due every 2 ms\n",
           task_ms, seconds);
    printf("# inline: %d pings, %ld tasks; offloaded: %d pings, %ld tasks\n",
           inl.n, inl_tasks, off.n, tasks_done);
    printf("# columns: percentile inline_(ms) offloaded_(ms)\n");
    for (int pc = 1; pc <= 100; pc++) {
        int i = (inl.n * pc) / 100, j = (off.n * pc) / 100;
        i = i >= inl.n ? inl.n - 1 : i;
        j = j >= off.n ? off.n - 1 : j;
        printf("%d %.3f %.3f\n", pc, inl.n ? inl.rtt[i] : 0, off.n ? off.rtt[j] : 0);
    }
    return inl.n && off.n ? 0 : 1;
}
