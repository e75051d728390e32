/* bench_granularity.c: when does a task pay for its trip to a process?
 *
 * A pool of pre-forked workers (one per core) receives tasks through
 * pipes and sends each result back: a round trip per message.  Task k
 * counts the primes in the k-th window of a given size from one million
 * on, so the tasks tile one range and each has a window of its own.  The
 * window's size then sets how long a task takes on average.  (Had every
 * task counted the same window, a window of 10 and one of 30 would both
 * hold the single prime 1,000,003, and cost the same.)  For each size the same
 * tasks run three ways: one after another in this process, through the
 * pool one task per message, and through the pool 64 tasks per message.
 * Speedup below 1 means the messages cost more than the work they carry.
 * The three run interleaved, three rounds, and each keeps its best round:
 * on a shared machine another program may take a core for seconds, and
 * the best round is the one it disturbed least.  Output: plots/02-processes/granularity.dat; QUICK=1 runs a small
 * version. */
#include "io.h"
#include "models.h"
#include "primes.h"
#include "timing.h"

#include <poll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_WORKERS = 64, BATCH = 64 };
#define BASE 1000000ULL

struct order {
    long first;   /* the number of this message's first task */
    long tasks;   /* how many tasks this message carries */
    long numbers; /* the size of the window each task counts */
};

/* Task k: the primes in [BASE + k * numbers, BASE + (k + 1) * numbers). */
static long task(long k, long numbers)
{
    uint64_t lo = BASE + (uint64_t)k * (uint64_t)numbers;
    return count_primes(lo, lo + (uint64_t)numbers);
}

struct pool {
    int n, to[MAX_WORKERS], from[MAX_WORKERS];
    pid_t pid[MAX_WORKERS];
};

static _Noreturn void worker(int in, int out)
{
    struct order o;
    while (read_full(in, &o, sizeof o) == sizeof o) {
        long sum = 0;
        for (long i = 0; i < o.tasks; i++)
            sum += task(o.first + i, o.numbers);
        write_full(out, &sum, sizeof sum);
    }
    _exit(0);
}

static void pool_start(struct pool *p, int n)
{
    p->n = n;
    for (int k = 0; k < n; k++) {
        int down[2], up[2];
        if (pipe(down) != 0 || pipe(up) != 0)
            return;
        fflush(stdout);
        p->pid[k] = fork();
        if (p->pid[k] == 0) {
            for (int j = 0; j < k; j++)
                close(p->to[j]), close(p->from[j]);
            close(down[1]);
            close(up[0]);
            worker(down[0], up[1]);
        }
        close(down[0]);
        close(up[1]);
        p->to[k] = down[1];
        p->from[k] = up[0];
    }
}

static void pool_stop(struct pool *p)
{
    for (int k = 0; k < p->n; k++)
        close(p->to[k]);
    for (int k = 0; k < p->n; k++) {
        waitpid(p->pid[k], NULL, 0);
        close(p->from[k]);
    }
}

/* Run `tasks` tasks on the pool, `per_msg` per message, keeping one
 * message in flight per worker.  Returns the sum of the results. */
static long pool_run(struct pool *p, long tasks, long numbers, long per_msg)
{
    long sent = 0, total = 0, in_flight = 0;
    struct pollfd fds[MAX_WORKERS];
    for (int k = 0; k < p->n; k++)
        fds[k] = (struct pollfd){ .fd = p->from[k], .events = POLLIN };
    for (int k = 0; k < p->n && sent < tasks; k++, in_flight++) {
        struct order o = { sent, per_msg, numbers };
        write_full(p->to[k], &o, sizeof o);
        sent += per_msg;
    }
    while (in_flight > 0) {
        poll(fds, (nfds_t)p->n, -1);
        for (int k = 0; k < p->n; k++) {
            if (!fds[k].revents)
                continue;
            long r;
            read_full(p->from[k], &r, sizeof r);
            total += r;
            in_flight--;
            if (sent < tasks) { /* this worker is free: give it more */
                struct order o = { sent, per_msg, numbers };
                write_full(p->to[k], &o, sizeof o);
                sent += per_msg;
                in_flight++;
            }
        }
    }
    return total;
}

/* The same tasks three ways: 0 in this process, 1 one task per message,
 * 2 BATCH tasks per message.  Returns the seconds taken. */
static double run_way(int way, struct pool *p, long tasks, long numbers,
                      long want)
{
    double t0 = now_s();
    long got = 0;
    if (way == 0)
        for (long k = 0; k < tasks; k++)
            got += task(k, numbers);
    else
        got = pool_run(p, tasks, numbers, way == 1 ? 1 : BATCH);
    double t = now_s() - t0;
    if (got != want)
        fprintf(stderr, "wrong sum for %ld numbers per task\n", numbers);
    return t;
}

static double best(const double *t, int n)
{
    double b = t[0];
    for (int i = 1; i < n; i++)
        b = t[i] < b ? t[i] : b;
    return b;
}

int main(void)
{
    int quick = quick_mode(), n = usable_cores();
    n = n > MAX_WORKERS ? MAX_WORKERS : n;
    double budget = quick ? 0.01 : 0.1; /* sequential seconds per size */
    int rounds = quick ? 1 : 3;
    static const long sizes[] = { 1, 3, 10, 30, 100, 300, 1000, 3000,
                                  10000, 30000 };
    int nsizes = quick ? 5 : (int)(sizeof sizes / sizeof *sizes);
    struct pool p;
    pool_start(&p, n);
    print_machine(stdout);
    print_conditions(stdout, "build/demo/02-processes/bench_granularity");
    printf("# task k counts the primes in the k-th window of its size from 1000000 on; "
           "task_us: the average task, sequential\n");
    printf("# cores free at the start: %.2f of %d (the speedup of a small prime count; "
           "other programs lower it)\n", cores_free(n), n);
    printf("# columns: numbers_per_task task_us tasks sequential_s pool_s "
           "batched_s pool_speedup batched_speedup workers\n");
    for (int i = 0; i < nsizes; i++) {
        long numbers = sizes[quick ? i * 2 : i];
        double t0 = now_s();
        long reps = 0;
        while (now_s() - t0 < 0.01 || reps < 3) /* successive windows: an average */
            task(reps, numbers), reps++;
        double est = (now_s() - t0) / reps;
        long per_round = BATCH * n; /* whole batches, as many per worker */
        long tasks = (long)(budget / est) / per_round * per_round;
        tasks = tasks < per_round ? per_round : tasks > 16000 ? 16000 / per_round * per_round : tasks;
        long want = (long)count_primes(BASE, BASE + (uint64_t)(tasks * numbers));
        double t[3][9];
        for (int r = 0; r < rounds; r++) /* interleaved, order rotating */
            for (int k = 0; k < 3; k++) {
                int way = (r + k) % 3;
                t[way][r] = run_way(way, &p, tasks, numbers, want);
            }
        double seq = best(t[0], rounds), pool = best(t[1], rounds),
               batched = best(t[2], rounds);
        printf("%ld %.4g %ld %.4f %.4f %.4f %.3g %.3g %d\n", numbers,
               seq / tasks * 1e6, tasks, seq, pool, batched, seq / pool,
               seq / batched, n);
        fflush(stdout);
    }
    pool_stop(&p);
    printf("# cores free at the end: %.2f of %d\n", cores_free(n), n);
    return 0;
}
