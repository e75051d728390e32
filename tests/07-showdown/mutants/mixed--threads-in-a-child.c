/* Mutant of exercise 7.2: a thread for every job, as thread-per-job does,
 * but all of them inside one child process, so that the caller's own
 * thread count stays at one and only one fork() is seen.  The sandbox
 * counts every task alive in the call, the child's threads included.
 * must fail: mixed/stays_within_the_thread_budget */
#include "mixed.h"

#include "primes.h"
#include "slow_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void *one_job(void *arg)
{
    struct job *j = arg;
    if (j->kind == JOB_CPU) {
        j->result = count_primes(j->lo, j->hi);
        return NULL;
    }
    j->result = 0;
    for (int k = 0; k < j->requests; k++) {
        char line[32], reply[64];
        snprintf(line, sizeof line, "request %d", k);
        if (slow_request(j->port, line, reply, sizeof reply) == 0 && !strcmp(reply, line))
            j->result++;
    }
    return NULL;
}

/* In the child: the jobs live in memory shared with the parent. */
static void all_jobs(struct job *jobs, int n)
{
    pthread_t *t = malloc(sizeof *t * (size_t)n);
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, one_job, &jobs[i]);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
}

int run_batch(struct job *jobs, int n, int cores)
{
    (void)cores;
    if (n == 0)
        return 0;
    size_t size = sizeof *jobs * (size_t)n;
    struct job *shared = mmap(NULL, size, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return -1;
    memcpy(shared, jobs, size);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        all_jobs(shared, n);
        _exit(0);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    memcpy(jobs, shared, size);
    munmap(shared, size);
    return pid > 0 ? 0 : -1;
}
