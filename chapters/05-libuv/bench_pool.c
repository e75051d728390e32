/* bench_pool.c: what UV_THREADPOOL_SIZE changes.
 *
 * Eight tasks go to the pool at once, for pool sizes 1, 2, 4 and 8: eight
 * sleeps of 100 ms (waiting, like a slow disk or a DNS lookup), then
 * eight prime counts of about 100 ms (computing; the best of three
 * batches, since other programs may want the cores too).  libuv reads the
 * variable once, when the pool first starts, so each size runs in a child
 * process of its own that sets it first.
 *
 * Output: plots/05-libuv/pool.dat. */
#include "primes.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define TASKS 8

static int task_ms;
static uint64_t span; /* numbers per count: about task_ms of CPU */

static void nap(uv_work_t *req)
{
    (void)req;
    uv_sleep((unsigned)task_ms);
}

static void count(uv_work_t *req)
{
    *(long *)req->data = count_primes(10000000, 10000000 + span);
}

static void done(uv_work_t *req, int status)
{
    (void)req, (void)status;
}

/* Wall time of TASKS tasks queued at once. */
static double batch(uv_work_cb fn)
{
    uv_loop_t loop;
    uv_work_t reqs[TASKS];
    long results[TASKS];
    uv_loop_init(&loop);
    double t0 = now_s();
    for (int i = 0; i < TASKS; i++) {
        reqs[i].data = &results[i];
        uv_queue_work(&loop, &reqs[i], fn, done);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return now_s() - t0;
}

int main(void)
{
    task_ms = quick_mode() ? 10 : 100;
    span = 50000; /* size a count to task_ms: the best of three timings */
    double best = 1e9;
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        count_primes(10000000, 10000000 + span);
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    span = (uint64_t)(span * task_ms / 1e3 / best);
    double *out = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    print_machine(stdout);
    printf("# %d tasks queued at once: sleeps of %d ms, or prime counts of about %d ms\n",
           TASKS, task_ms, task_ms);
    printf("# columns: pool_threads sleeps_(s) counts_(s)\n");
    int sizes[] = { 1, 2, 4, 8 };
    for (int i = 0; i < 4; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            char v[8];
            snprintf(v, sizeof v, "%d", sizes[i]);
            setenv("UV_THREADPOOL_SIZE", v, 1); /* before the pool's first use */
            out[0] = batch(nap);
            out[1] = 1e9; /* the best of three: the machine may be shared */
            for (int r = 0; r < (quick_mode() ? 1 : 3); r++) {
                double t = batch(count);
                out[1] = t < out[1] ? t : out[1];
            }
            _exit(0);
        }
        waitpid(pid, NULL, 0);
        printf("%d %.3f %.3f\n", sizes[i], out[0], out[1]);
    }
    return 0;
}
