/* bench_many_threads.c: thread per request, for 10 to 10,000 requests in
 * flight at once.  Every request waits the same delay at the slow server,
 * so ideally every batch takes one delay; what grows instead is the time
 * spent creating threads and the memory they hold while they wait.
 * Output: plots/03-threads/many_threads.dat; QUICK=1 runs a small version. */
#define _GNU_SOURCE
#include "io.h"
#include "net.h"
#include "slow_server.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int port;
static _Atomic int failed;

static long kernel_kib(void)
{
    return proc_field("/proc/meminfo", "KernelStack") +
           proc_field("/proc/meminfo", "PageTables");
}

// [snippet per_request]
static void *one_request(void *arg)
{
    char reply[64];
    if (slow_request(port, "hello", reply, sizeof reply) != 0)
        atomic_fetch_add(&failed, 1);
    return arg;
}
// [end per_request]

struct row {
    double create_s, wall_s, rss_mib, kernel_mib;
    int not_started;
};

static struct row batch(int n)
{
    struct row r = { 0 };
    pthread_t *tid = calloc((size_t)n, sizeof *tid);
    char *started = calloc((size_t)n, 1);
    long rss0 = proc_field("/proc/self/status", "VmRSS"), k0 = kernel_kib();
    atomic_store(&failed, 0);
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        started[i] = pthread_create(&tid[i], NULL, one_request, NULL) == 0;
    r.create_s = now_s() - t0;
    /* every thread exists now, and most are waiting for their reply */
    r.rss_mib = (proc_field("/proc/self/status", "VmRSS") - rss0) / 1024.0;
    r.kernel_mib = (kernel_kib() - k0) / 1024.0;
    for (int i = 0; i < n; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        r.not_started += !started[i];
    }
    r.wall_s = now_s() - t0;
    free(tid);
    free(started);
    return r;
}

int main(void)
{
    int quick = quick_mode();
    static const int sizes[] = { 10, 100, 1000, 2000, 5000, 10000 };
    int rows = quick ? 2 : 6;
    double delay_ms = quick ? 20 : 250;
    raise_fd_limit(sizes[rows - 1] + 200); /* one socket per request */
    struct slow_server s;
    if (slow_server_start(&s, delay_ms) != 0) {
        perror("slow_server_start");
        return 1;
    }
    port = s.port;
    print_machine(stdout);
    printf("# every request waits %.0f ms at the server\n", delay_ms);
    printf("# columns: requests create_all_(s) batch_(s) batch/delay "
           "user_memory_(MiB) kernel_memory_(MiB) failed\n");
    for (int i = 0; i < rows; i++) {
        struct row r = batch(sizes[i]);
        printf("%d %.3f %.3f %.2f %.1f %.1f %d\n", sizes[i], r.create_s,
               r.wall_s, r.wall_s / (delay_ms / 1e3), r.rss_mib, r.kernel_mib,
               r.not_started + atomic_load(&failed));
        fflush(stdout);
    }
    slow_server_stop(&s);
    return 0;
}
