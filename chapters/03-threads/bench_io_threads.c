/* bench_io_threads.c: N requests to the slow server on T threads, for T
 * from 1 up: plain threads, then threads under a GIL that is held across
 * the request, then under a GIL that is released around it (as CPython
 * releases its GIL around every blocking call).
 * Output: plots/03-threads/io_threads.dat; QUICK=1 runs a small version. */
#include "slow_server.h"
#include "timing.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { MAX_THREADS = 64 };
enum gil_mode { NO_GIL, GIL_HELD, GIL_RELEASED };

struct batch {
    int port, n;
    enum gil_mode gil;
    _Atomic int next, failed;
};

static pthread_mutex_t gil = PTHREAD_MUTEX_INITIALIZER;

// [snippet request]
static int request(struct batch *b, int i)
{
    char line[32], reply[64];
    if (b->gil != NO_GIL)
        pthread_mutex_lock(&gil);  /* "running Python code" */
    snprintf(line, sizeof line, "request %d", i);
    if (b->gil == GIL_RELEASED)
        pthread_mutex_unlock(&gil); /* Py_BEGIN_ALLOW_THREADS */
    int rc = slow_request(b->port, line, reply, sizeof reply); /* waits */
    if (b->gil == GIL_RELEASED)
        pthread_mutex_lock(&gil);   /* Py_END_ALLOW_THREADS */
    if (b->gil != NO_GIL)
        pthread_mutex_unlock(&gil);
    return rc;
}
// [end request]

static void *fetcher(void *arg)
{
    struct batch *b = arg;
    for (int i; (i = atomic_fetch_add(&b->next, 1)) < b->n;)
        if (request(b, i) != 0)
            atomic_fetch_add(&b->failed, 1);
    return NULL;
}

static double run(int port, int n, int threads, enum gil_mode mode)
{
    struct batch b = { .port = port, .n = n, .gil = mode };
    pthread_t tid[MAX_THREADS];
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, fetcher, &b);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    if (b.failed)
        fprintf(stderr, "%d requests failed\n", (int)b.failed);
    return now_s() - t0;
}

int main(void)
{
    int quick = quick_mode();
    int n = quick ? 8 : 64, max = quick ? 4 : 32;
    double delay_ms = quick ? 5 : 20;
    struct slow_server s;
    if (slow_server_start(&s, delay_ms) != 0) {
        perror("slow_server_start");
        return 1;
    }
    print_machine(stdout);
    printf("# %d requests, %.0f ms each\n", n, delay_ms);
    printf("# columns: threads N×delay/T_(s) threads_(s) GIL_held_(s) GIL_released_(s)\n");
    for (int t = 1; t <= max; t *= 2) {
        double predicted = n * delay_ms / 1e3 / t;
        double plain = run(s.port, n, t, NO_GIL);
        double held = run(s.port, n, t, GIL_HELD);
        double released = run(s.port, n, t, GIL_RELEASED);
        printf("%d %.3f %.3f %.3f %.3f\n", t, predicted, plain, held, released);
        fflush(stdout);
    }
    slow_server_stop(&s);
    return 0;
}
