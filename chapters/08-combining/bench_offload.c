/* bench_offload.c: chapter 8's loop-and-pool against libuv's
 * uv_queue_work(), on the same jobs, both with 4 threads.
 *
 * Five kinds of job, each run as a batch that the loop submits at once
 * (except "one by one", where each job is submitted from the previous
 * one's completion, so the time is a full round trip: loop -> pool
 * thread -> loop).  The figure of merit is wall time per job.
 *
 * Output: plots/08-combining/offload.dat. */
#define _GNU_SOURCE
#include "loop_pool.h"
#include "timing.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

enum { THREADS = 4, KINDS = 5 };

static char file_path[] = "/tmp/bench_offload.XXXXXX";

static void job_body(int kind, long i)
{
    if (kind == 2) {
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res;
        if (getaddrinfo("localhost", "80", &hints, &res) == 0)
            freeaddrinfo(res);
    } else if (kind == 3) {
        static char buf[THREADS * 8][65536];
        int fd = open(file_path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            (void)!pread(fd, buf[i % (THREADS * 8)], sizeof buf[0], (i % 64) * 65536);
            close(fd);
        }
    } else if (kind == 4) {
        nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
    }
}

static const char *kind_name[KINDS] = { "empty_job,_all_at_once", "empty_job,_one_by_one",
                                        "getaddrinfo(localhost)", "read_64_KiB_of_a_file",
                                        "sleep_1_ms" };

/* ---- chapter 8's loop and pool ---------------------------------------- */

struct ljob {
    struct lp_job job;
    int kind;
    long i;
};

static struct {
    struct lp_pool pool;
    struct ljob *jobs;
    long n, submitted, done;
    int kind;
} L;

static void l_work(struct lp_job *job, int worker)
{
    (void)worker;
    struct ljob *j = (struct ljob *)job;
    job_body(j->kind, j->i);
}

static void l_done(struct lp_job *job);

static void l_submit_next(void)
{
    struct ljob *j = &L.jobs[L.submitted];
    *j = (struct ljob){ .kind = L.kind, .i = L.submitted };
    j->job.work = l_work;
    j->job.done = l_done;
    L.submitted++;
    lp_submit(&L.pool, &j->job);
}

static void l_done(struct lp_job *job)
{
    (void)job;
    if (++L.done == L.n)
        el_stop(L.pool.loop);
    else if (L.kind == 1)
        l_submit_next();
}

static double evloop_batch(int kind, long n)
{
    struct el_loop *loop = el_loop_new();
    L.jobs = calloc((size_t)n, sizeof *L.jobs);
    L.n = n;
    L.submitted = L.done = 0;
    L.kind = kind;
    lp_start(&L.pool, loop, THREADS, 0);
    double t0 = now_s();
    for (long i = 0; i < (kind == 1 ? 1 : n); i++)
        l_submit_next();
    el_run(loop);
    double t = now_s() - t0;
    lp_stop(&L.pool);
    el_loop_free(loop);
    free(L.jobs);
    return t;
}

/* ---- libuv ------------------------------------------------------------- */

struct ujob {
    uv_work_t req;
    int kind;
    long i;
};

static struct {
    uv_loop_t loop;
    struct ujob *jobs;
    long n, submitted, done;
    int kind;
} U;

static void u_work(uv_work_t *req)
{
    struct ujob *j = (struct ujob *)req;
    job_body(j->kind, j->i);
}

static void u_after(uv_work_t *req, int status);

static void u_submit_next(void)
{
    struct ujob *j = &U.jobs[U.submitted];
    *j = (struct ujob){ .kind = U.kind, .i = U.submitted };
    U.submitted++;
    uv_queue_work(&U.loop, &j->req, u_work, u_after);
}

static void u_after(uv_work_t *req, int status)
{
    (void)req, (void)status;
    if (++U.done < U.n && U.kind == 1)
        u_submit_next();
}

static double uv_batch(int kind, long n)
{
    uv_loop_init(&U.loop);
    U.jobs = calloc((size_t)n, sizeof *U.jobs);
    U.n = n;
    U.submitted = U.done = 0;
    U.kind = kind;
    double t0 = now_s();
    for (long i = 0; i < (kind == 1 ? 1 : n); i++)
        u_submit_next();
    uv_run(&U.loop, UV_RUN_DEFAULT);
    double t = now_s() - t0;
    uv_loop_close(&U.loop);
    free(U.jobs);
    return t;
}

int main(void)
{
    setenv("UV_THREADPOOL_SIZE", "4", 1); /* libuv's default, said out loud */
    int quick = quick_mode(), rounds = quick ? 1 : 5;
    long count[KINDS] = { 20000, 5000, 2000, 2000, 400 };
    int fd = mkstemp(file_path);
    static char chunk[65536];
    for (int i = 0; i < 64 && fd >= 0; i++)
        (void)!write(fd, chunk, sizeof chunk); /* 4 MiB, in the page cache */
    if (fd >= 0)
        close(fd);
    uv_batch(0, 100); /* start libuv's threads before timing anything */
    print_machine(stdout);
    printf("# %d threads in both pools; microseconds per job, medians of %d rounds\n",
           THREADS, rounds);
    printf("# columns: job jobs evloop+pool_(us) uv_queue_work_(us)\n");
    for (int k = 0; k < KINDS; k++) {
        long n = quick ? count[k] / 20 : count[k];
        double a[5], b[5];
        for (int r = 0; r < rounds; r++) {
            a[r] = evloop_batch(k, n) / (double)n * 1e6;
            b[r] = uv_batch(k, n) / (double)n * 1e6;
        }
        printf("%s %ld %.2f %.2f\n", kind_name[k], n, median(a, rounds), median(b, rounds));
    }
    unlink(file_path);
    uv_library_shutdown();
    return 0;
}
