/* bench_spawn.c: what starting a process costs, next to starting a thread.
 *
 * Each row is the median over several batches of the time one operation
 * takes, start to finish: create, let it end, wait for it.  fork() copies
 * the parent's page tables, so its cost grows with the parent's memory;
 * posix_spawn() (a vfork-style clone followed by exec) copies none.  The
 * last row is the price of one message and its answer between two
 * processes, through a pair of pipes.  Output: plots/02-processes/
 * spawn.dat; QUICK=1 runs a small version. */
#include "io.h"
#include "timing.h"

#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void *nothing(void *arg)
{
    return arg;
}

// [snippet ops]
static void thread_once(void)
{
    pthread_t t;
    pthread_create(&t, NULL, nothing, NULL);
    pthread_join(t, NULL);
}

static void fork_once(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
}

static void fork_exec_once(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}

static void spawn_once(void)
{
    pid_t pid;
    char *argv[] = { "true", NULL };
    if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
        waitpid(pid, NULL, 0);
}
// [end ops]

/* Median over `batches` of the microseconds one call of op() takes. */
static double micros(void (*op)(void), int per_batch, int batches)
{
    double t[15];
    for (int b = 0; b < batches; b++) {
        double t0 = now_s();
        for (int i = 0; i < per_batch; i++)
            op();
        t[b] = (now_s() - t0) / per_batch * 1e6;
    }
    return median(t, batches);
}

/* Round trips of 8 bytes between this process and a child that echoes. */
static double pipe_round_trip(int trips, int batches)
{
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        long x;
        while (read_full(down[0], &x, sizeof x) == sizeof x)
            write_full(up[1], &x, sizeof x);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    double t[15];
    for (int b = 0; b < batches; b++) {
        double t0 = now_s();
        for (long i = 0; i < trips; i++) {
            long x = i;
            write_full(down[1], &x, sizeof x);
            read_full(up[0], &x, sizeof x);
        }
        t[b] = (now_s() - t0) / trips * 1e6;
    }
    close(down[1]);
    close(up[0]);
    waitpid(pid, NULL, 0);
    return median(t, batches);
}

static double thread_us;

static void row(const char *name, double us)
{
    printf("%-38s %9.1f %10.0f %8.1f\n", name, us, 1e6 / us, us / thread_us);
    fflush(stdout);
}

int main(void)
{
    int quick = quick_mode();
    int n = quick ? 50 : 400, batches = quick ? 3 : 9;
    size_t big = (size_t)(quick ? 16 : 256) << 20;
    print_machine(stdout);
    printf("# columns: operation microseconds per_second x_thread\n");
    thread_us = micros(thread_once, n, batches);
    row("thread:_create,_join", thread_us);
    row("process:_fork,_exit,_wait", micros(fork_once, n, batches));
    row("program:_fork,_exec,_wait", micros(fork_exec_once, n / 2, batches));
    row("program:_spawn,_wait", micros(spawn_once, n / 2, batches));
    // [snippet big]
    char *mem = mmap(NULL, big, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return 1;
    madvise(mem, big, MADV_NOHUGEPAGE); /* 4 KiB pages, as most memory is */
    memset(mem, 1, big); /* every page is really there: fork must map it */
    // [end big]
    char name[80];
    snprintf(name, sizeof name, "process_of_%zu_MiB:_fork,_exit,_wait", big >> 20);
    row(name, micros(fork_once, n / 8, batches));
    snprintf(name, sizeof name, "program_from_%zu_MiB:_spawn,_wait", big >> 20);
    row(name, micros(spawn_once, n / 8, batches));
    munmap(mem, big);
    row("message_and_reply_through_pipes", pipe_round_trip(quick ? 500 : 20000, batches));
    return 0;
}
