/* Reference solution to exercise 3.2: a fixed set of threads pull the
 * index of the next request from a counter under a mutex.  The lock is
 * held only to take a number, never across the request itself, so the
 * threads wait for the server at the same time. */
#include "fetch_threads.h"

#include <pthread.h>
#include <stdlib.h>

struct batch {
    pthread_mutex_t lock;
    int next, n, failed; /* guarded by lock */
    int port;
    const char *const *lines;
    char (*replies)[SLOW_MAX_LINE];
};

static int take(struct batch *b)
{
    pthread_mutex_lock(&b->lock);
    int i = b->next < b->n ? b->next++ : -1;
    pthread_mutex_unlock(&b->lock);
    return i;
}

static void *fetcher(void *arg)
{
    struct batch *b = arg;
    int failed = 0;
    for (int i; (i = take(b)) >= 0;) {
        if (slow_request(b->port, b->lines[i], b->replies[i], SLOW_MAX_LINE) != 0) {
            b->replies[i][0] = '\0';
            failed++;
        }
    }
    pthread_mutex_lock(&b->lock);
    b->failed += failed;
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

int fetch_threads(int port, const char *const lines[], int n,
                  char (*replies)[SLOW_MAX_LINE], int nthreads)
{
    struct batch b = { .lock = PTHREAD_MUTEX_INITIALIZER, .n = n,
                       .port = port, .lines = lines, .replies = replies };
    int t = nthreads < n ? nthreads : n;
    pthread_t *tid = calloc(t > 0 ? (size_t)t : 1, sizeof *tid);
    int started = 0;
    while (tid && started < t &&
           pthread_create(&tid[started], NULL, fetcher, &b) == 0)
        started++;
    if (started == 0)
        fetcher(&b); /* no thread could start: fetch them here */
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    pthread_mutex_destroy(&b.lock);
    return b.failed;
}
