/* bench_thread_cost.c: what a thread costs, next to what a process costs,
 * measured the same way: the time to create one and wait for its end, and
 * the memory that many idle ones hold (virtual, private resident, and the
 * kernel's stacks and page tables for them).
 * Output: plots/03-threads/thread_cost.dat; QUICK=1 runs a small version. */
#define _GNU_SOURCE
#include "io.h"
#include "timing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct snapshot {
    long virt, rss, kstack, ptables;
};

static struct snapshot snap(void)
{
    return (struct snapshot){
        proc_field("/proc/self/status", "VmSize"),
        proc_field("/proc/self/status", "VmRSS"),
        proc_field("/proc/meminfo", "KernelStack"),
        proc_field("/proc/meminfo", "PageTables"),
    };
}

/* ---- creation time -------------------------------------------------- */

static void *nothing(void *arg)
{
    return arg;
}

// [snippet create]
static double thread_create_join_us(int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        pthread_t t;
        pthread_create(&t, NULL, nothing, NULL);
        pthread_join(t, NULL);
    }
    return (now_s() - t0) / n * 1e6;
}

static double fork_wait_us(int n)
{
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(0);
        waitpid(pid, NULL, 0);
    }
    return (now_s() - t0) / n * 1e6;
}
// [end create]

static double median_us(double (*f)(int), int batch, int batches)
{
    double t[32];
    for (int i = 0; i < batches; i++)
        t[i] = f(batch);
    return median(t, batches);
}

/* ---- memory of idle threads and processes ---------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void *idle_thread(void *arg)
{
    pthread_mutex_lock(&gate_lock);
    while (!gate_open)
        pthread_cond_wait(&gate_cond, &gate_lock);
    pthread_mutex_unlock(&gate_lock);
    return arg;
}

static void print_row(const char *what, double create_us, int n,
                      struct snapshot a, struct snapshot b, double private_kib)
{
    printf("%s %.1f %.0f %.1f %.1f %.1f\n", what, create_us,
           (double)(b.virt - a.virt) / n, private_kib,
           (double)(b.kstack - a.kstack) / n, (double)(b.ptables - a.ptables) / n);
}

static void threads_row(int n, double create_us)
{
    pthread_t *tid = calloc((size_t)n, sizeof *tid);
    struct snapshot a = snap();
    for (int i = 0; i < n; i++)
        pthread_create(&tid[i], NULL, idle_thread, NULL);
    usleep(100000); /* let them all reach the gate */
    struct snapshot b = snap();
    print_row("thread", create_us, n, a, b, (double)(b.rss - a.rss) / n);
    pthread_mutex_lock(&gate_lock);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
    for (int i = 0; i < n; i++)
        pthread_join(tid[i], NULL);
    free(tid);
}

/* Private memory of a process: the pages it does not share with us. */
static long private_kib(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    return proc_field(path, "Private_Clean") + proc_field(path, "Private_Dirty");
}

static void processes_row(int n, double create_us)
{
    pid_t *pid = calloc((size_t)n, sizeof *pid);
    int gate[2];
    if (!pid || pipe(gate) != 0)
        return;
    struct snapshot a = snap();
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid[i] = fork();
        if (pid[i] == 0) { /* wait until the parent closes the pipe */
            char c;
            close(gate[1]);
            (void)!read(gate[0], &c, 1);
            _exit(0);
        }
    }
    usleep(100000);
    struct snapshot b = snap();
    long priv = 0, virt = 0;
    char path[64];
    for (int i = 0; i < n; i++) {
        priv += private_kib(pid[i]);
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid[i]);
        virt += proc_field(path, "VmSize"); /* a copy of ours, shared until written */
    }
    a.virt = 0; /* the children's address spaces are theirs, not ours */
    b.virt = virt;
    print_row("process", create_us, n, a, b, (double)priv / n);
    close(gate[0]);
    close(gate[1]);
    for (int i = 0; i < n; i++)
        waitpid(pid[i], NULL, 0);
    free(pid);
}

int main(void)
{
    int quick = quick_mode();
    int n = quick ? 50 : 1000, batches = quick ? 3 : 15;
    pthread_attr_t attr;
    size_t stack;
    pthread_attr_init(&attr);
    pthread_attr_getstacksize(&attr, &stack);
    print_machine(stdout);
    printf("# default thread stack: %zu KiB (from RLIMIT_STACK)\n", stack / 1024);
    printf("# columns: what create+wait_(µs) virtual_(KiB) private_(KiB) kernel_stack_(KiB) page_tables_(KiB)\n");
    double t = median_us(thread_create_join_us, quick ? 20 : 200, batches);
    threads_row(n, t);
    double p = median_us(fork_wait_us, quick ? 10 : 100, batches);
    processes_row(quick ? 20 : 200, p);
    return 0;
}
