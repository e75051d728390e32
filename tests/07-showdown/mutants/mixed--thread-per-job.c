/* Mutant of exercise 7.2: a thread for every job, each blocking.  It is
 * quick and right, and it needs one thread per slow job: hundreds here,
 * 100,000 on a bad day.
 * must fail: mixed/stays_within_the_thread_budget */
#include "mixed.h"

#include "primes.h"
#include "slow_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *one_job(void *arg)
{
    struct job *j = arg;
    if (j->kind == JOB_CPU) {
        j->result = count_primes(j->lo, j->hi);
        return NULL;
    }
    j->result = 0;
    for (int k = 0; k < j->requests; k++) { /* a connection per request: fine here */
        char line[32], reply[64];
        snprintf(line, sizeof line, "request %d", k);
        if (slow_request(j->port, line, reply, sizeof reply) == 0 && !strcmp(reply, line))
            j->result++;
    }
    return NULL;
}

int run_batch(struct job *jobs, int n, int cores)
{
    (void)cores;
    pthread_t *t = malloc(sizeof *t * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, one_job, &jobs[i]);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    return 0;
}
