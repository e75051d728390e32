/* bench_workloads.c: the book's two workloads, measured side by side.
 *
 * Prime counting is CPU-bound: a second worker halves the wall time only
 * because a second core does half the computing, and the CPU time stays
 * the same.  Requests to the slow server are I/O-bound: a second worker
 * halves the wall time with almost no CPU at all, because what it adds is
 * a second thing to wait on.  Output: one row per run (plots/01-cpu-or-io/
 * workloads.dat); QUICK=1 runs a small version. */
#include "primes.h"
#include "slow_server.h"
#include "timing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct io_job {
    int port, requests;
};

static void *ask(void *arg)
{
    struct io_job *j = arg;
    char reply[64];
    for (int i = 0; i < j->requests; i++)
        if (slow_request(j->port, "ping", reply, sizeof reply) != 0)
            fprintf(stderr, "request failed\n");
    return NULL;
}

/* `requests` requests to the slow server, spread over `workers` threads
 * that each wait for one reply at a time. */
static void ask_all(int port, int requests, int workers)
{
    pthread_t tid[64];
    struct io_job job[64];
    for (int i = 0; i < workers; i++) {
        job[i] = (struct io_job){ port, requests / workers };
        pthread_create(&tid[i], NULL, ask, &job[i]);
    }
    for (int i = 0; i < workers; i++)
        pthread_join(tid[i], NULL);
}

static void row(const char *workload, int workers, struct cost c)
{
    printf("%-26s %7d %8.3f %8.3f %8.3f %9.2f\n", workload, workers, c.wall,
           c.user, c.sys, (c.user + c.sys) / c.wall);
    fflush(stdout);
}

int main(void)
{
    int quick = quick_mode();
    uint64_t n = quick ? 500000 : 5000000;
    int requests = quick ? 4 : 20;
    double delay_ms = 50;
    struct slow_server server;
    if (slow_server_start(&server, delay_ms) != 0) {
        perror("slow server");
        return 1;
    }
    print_machine(stdout);
    printf("# columns: workload workers wall_(s) user_(s) sys_(s) CPU_share\n");
    char name[64];
    for (int w = 1; w <= 2; w++) {
        struct cost c0 = cost_start();
        long primes = count_primes_threads(0, n, w, 10000);
        snprintf(name, sizeof name, "primes_below_%lu", (unsigned long)n);
        row(name, w, cost_since(c0));
        if (primes != (n == 5000000 ? 348513 : primes))
            return 1;
    }
    for (int w = 1; w <= 2; w++) {
        struct cost c0 = cost_start();
        ask_all(server.port, requests, w);
        snprintf(name, sizeof name, "%d_requests_x_%g_ms", requests, delay_ms);
        row(name, w, cost_since(c0));
    }
    slow_server_stop(&server);
    return 0;
}
