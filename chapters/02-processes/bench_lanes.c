/* bench_lanes.c: what each worker process does in a static and in a
 * dynamic split of the prime count, traced.
 *
 * The same two splits as bench_split.c, on one worker per usable core (2
 * to 4): static slices, and chunks handed out through a pipe.  While the
 * workers run, the parent reads each one's /proc/PID/schedstat every
 * 2 ms (on Linux: nanoseconds on a CPU, nanoseconds waiting for one;
 * /proc/PID/stat tells a preempted worker from a sleeping one), as
 * the grader's sampler does for `make trace`, and writes one lane per
 * worker in the format tools/trace.gp draws.  Output:
 * plots/02-processes/lanes.dat; QUICK=1 runs a small version. */
#include "io.h"
#include "primes.h"
#include "timing.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CHUNK = 10000, MAX = 4, TICKS = 8192 };

/* One worker process as the parent saw it. */
struct lane {
    pid_t pid;
    int fd, stat_fd;               /* its /proc/PID/schedstat and stat */
    unsigned long long run, wait;  /* the last reading, in ns */
    double end, cpu;               /* when it was reaped; CPU seconds */
    unsigned char state[TICKS];    /* 1 running, 2 waiting for a CPU, 3 asleep */
};

static void watch(struct lane *l, pid_t pid)
{
    char path[64], stat[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    snprintf(stat, sizeof stat, "/proc/%d/stat", (int)pid);
    *l = (struct lane){ .pid = pid, .fd = open(path, O_RDONLY | O_CLOEXEC),
                        .stat_fd = open(stat, O_RDONLY | O_CLOEXEC), .end = -1 };
}

/* A worker that neither ran nor was seen waiting in the tick: schedstat
 * adds a wait only when the task gets a CPU again, so one preempted for
 * the whole tick looks idle there, and /proc/PID/stat says R for it. */
static unsigned char idle_kind(const struct lane *l)
{
    char buf[256];
    ssize_t n = l->stat_fd < 0 ? -1 : pread(l->stat_fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    char *rp = n > 0 ? strrchr(buf, ')') : NULL;
    return rp && rp[1] && rp[2] == 'R' ? 2 : 3;
}

/* The state of one worker over the last dt seconds, from how much of it
 * was spent on a CPU and how much waiting for one. */
static unsigned char sample(struct lane *l, double dt)
{
    char buf[128];
    unsigned long long run, wait;
    ssize_t n = l->fd < 0 ? -1 : pread(l->fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    if (n <= 0 || sscanf(buf, "%llu %llu", &run, &wait) != 2)
        return 3;
    double ran = (run - l->run) / 1e9, waited = (wait - l->wait) / 1e9;
    l->cpu += l->run ? ran : 0; /* the first reading only sets the base */
    l->run = run, l->wait = wait;
    if (ran >= waited && ran >= dt - ran - waited)
        return 1;
    return waited >= dt - ran - waited ? 2 : idle_kind(l);
}

/* Sample every worker every 2 ms until all have ended; returns the ticks. */
static int trace(struct lane *w, int n, double start)
{
    int alive = n, ticks = 0;
    double last = start;
    for (int i = 0; i < n; i++)
        sample(&w[i], 0); /* the base readings */
    while (alive > 0 && ticks < TICKS) {
        nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
        double now = now_s();
        for (int i = 0; i < n; i++) {
            if (w[i].end >= 0) {
                w[i].state[ticks] = 0;
                continue;
            }
            w[i].state[ticks] = sample(&w[i], now - last);
            if (waitpid(w[i].pid, NULL, WNOHANG) == w[i].pid) /* ended */
                w[i].end = now - start, alive--, close(w[i].fd), close(w[i].stat_fd);
        }
        last = now;
        ticks++;
    }
    return ticks;
}

/* Static: worker i counts slice i of n equal slices. */
static void start_static(struct lane *w, int n, uint64_t hi)
{
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(count_primes(hi * i / n, hi * (i + 1) / n) < 0);
        watch(&w[i], pid);
    }
}

/* Dynamic: every chunk's start goes into a pipe (all of them fit in its
 * buffer), and each worker reads one chunk at a time until it is empty. */
static void start_dynamic(struct lane *w, int n, uint64_t hi)
{
    int task[2];
    if (pipe(task) != 0)
        return;
    for (uint64_t lo = 0; lo < hi; lo += CHUNK)
        write_full(task[1], &lo, sizeof lo);
    close(task[1]);
    fflush(stdout);
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            uint64_t lo;
            long mine = 0;
            while (read_full(task[0], &lo, sizeof lo) == sizeof lo)
                mine += count_primes(lo, lo + CHUNK < hi ? lo + CHUNK : hi);
            _exit(mine < 0);
        }
        watch(&w[i], pid);
    }
    close(task[0]);
}

/* One data line per run of a state: key lane t0 t1 state end_ms cpu_ms,
 * the last two the worker's own, repeated so that a data span can take
 * them from the lane's first line. */
static void print_lanes(const char *split, const struct lane *w, int n,
                        int first, int ticks, double tick)
{
    for (int i = 0; i < n; i++)
        for (int t = 0, from = 0; t <= ticks; t++) {
            if (t < ticks && w[i].state[t] == w[i].state[from])
                continue;
            if (w[i].state[from])
                printf("%s_%d %d %.4f %.4f %d %.1f %.1f\n", split, i + 1,
                       first + i, from * tick, t * tick, w[i].state[from],
                       1e3 * w[i].end, 1e3 * w[i].cpu);
            from = t;
        }
}

static struct lane lanes[2][MAX];

int main(void)
{
    int cores = usable_cores();
    int n = cores < 2 ? 2 : cores > MAX ? MAX : cores;
    uint64_t hi = quick_mode() ? 300000 : 5000000;
    void (*const start[2])(struct lane *, int, uint64_t) = { start_static,
                                                              start_dynamic };
    int ticks[2];
    double length[2];
    print_machine(stdout);
    print_conditions(stdout, "build/demo/02-processes/bench_lanes");
    for (int s = 0; s < 2; s++) {
        double t0 = now_s();
        start[s](lanes[s], n, hi);
        ticks[s] = trace(lanes[s], n, t0);
        length[s] = now_s() - t0;
    }
    printf("# the primes in [0, %llu) on %d worker processes, split statically "
           "and then in dynamic chunks of %d; each worker's state every 2 ms "
           "from /proc/PID/schedstat; end_ms: when it ended, cpu_ms: its CPU "
           "time\n", (unsigned long long)hi, n, CHUNK);
    printf("# columns: key lane t0_s t1_s state end_ms cpu_ms\n");
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < n; i++)
            printf("# lane %d %s split, worker %d\n", s * n + i,
                   s ? "dynamic" : "static", i + 1);
    for (int s = 0; s < 2; s++)
        print_lanes(s ? "dynamic" : "static", lanes[s], n, s * n, ticks[s],
                    length[s] / (ticks[s] ? ticks[s] : 1));
    return 0;
}
