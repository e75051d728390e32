/* prefork.c: a pool of pre-forked workers that survives a crashing task.
 *
 * The parent forks its workers once.  The tasks wait on a board in shared
 * memory; each worker takes the next one with an atomic add, notes on the
 * board which task it is running, runs it and posts the result.  The
 * parent only watches: waitpid() tells it when a worker dies, the board
 * tells it which task the worker was running, and a fresh worker takes the
 * dead one's place.  Two of the tasks crash on purpose. */
#include "primes.h"
#include "timing.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WORKERS = 3, TASKS = 24, CHUNK = 50000 };

// [snippet board]
struct board {                       /* mapped MAP_SHARED: one for all */
    _Atomic int next;                /* the next task nobody has taken */
    _Atomic int running[WORKERS];    /* the task worker k runs, or -1 */
    long result[TASKS];
    _Atomic int done[TASKS];         /* 1 once result[t] is valid */
};
// [end board]

/* The work: count the primes in chunk t.  Tasks 5 and 17 hit "bugs". */
static long task(int t)
{
    if (t == 5)
        *(volatile int *)NULL = 1;   /* a segmentation fault */
    if (t == 17)
        abort();
    return count_primes((uint64_t)t * CHUNK, (uint64_t)(t + 1) * CHUNK);
}

// [snippet worker]
static _Noreturn void worker(struct board *b, int k)
{
    for (;;) {
        int t = atomic_fetch_add(&b->next, 1); /* take the next task */
        if (t >= TASKS)
            _exit(0);                       /* none left: done */
        atomic_store(&b->running[k], t);    /* so the parent knows */
        b->result[t] = task(t);
        atomic_store(&b->done[t], 1);
        atomic_store(&b->running[k], -1);
    }
}
// [end worker]

static pid_t start(struct board *b, int k)
{
    atomic_store(&b->running[k], -1);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        worker(b, k);
    return pid;
}

static int slot_of(const pid_t *pids, pid_t pid)
{
    for (int k = 0; k < WORKERS; k++)
        if (pids[k] == pid)
            return k;
    return -1;
}

int main(void)
{
    setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 }); /* crashes on purpose */
    struct board *b = mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        return 1;
    pid_t pids[WORKERS];
    for (int k = 0; k < WORKERS; k++)
        pids[k] = start(b, k);
    // [snippet supervise]
    int alive = WORKERS, status;
    pid_t pid;
    while (alive > 0 && (pid = waitpid(-1, &status, 0)) > 0) {
        int k = slot_of(pids, pid);
        if (k < 0)
            continue;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            alive--; /* it found no task left */
            continue;
        }
        /* What it was doing: -1 if it died between taking a task and
         * noting it (a kill -9 can land there); the tally below still
         * finds that task, because its done flag never gets set. */
        int t = atomic_load(&b->running[k]);
        printf("worker %d %s %d while running task %d; starting a new worker\n",
               (int)pid, WIFSIGNALED(status) ? "was killed by signal"
                                             : "exited with status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), t);
        pids[k] = start(b, k); /* the pool carries on */
    }
    // [end supervise]
    // [snippet tally]
    long total = 0;
    int failed = 0;
    for (int t = 0; t < TASKS; t++) { /* done[], not running[], is the record */
        if (atomic_load(&b->done[t])) {
            total += b->result[t];
        } else {
            printf("task %d has no result\n", t);
            failed++;
        }
    }
    // [end tally]
    printf("%d tasks: %d failed, the others found %ld primes\n", TASKS, failed,
           total);
    munmap(b, sizeof *b);
    return failed == 2 ? 0 : 1;
}
