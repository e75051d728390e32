/* showdown.c: every model on every workload, measured here, with a
 * verdict.
 *
 * The notes end with a rule: CPU-bound work to processes; I/O-bound work
 * with fast I/O and few connections to threads; I/O-bound work with slow
 * I/O and many connections to an event loop.  This program turns the rule
 * into a measurement.  It runs chapter 1's three workloads on the five
 * models of lib/models.h (sequential, processes, threads, chapter 4's
 * loop, libuv) and, when python3 is installed, on Python's four
 * (sequential, multiprocessing, threading, asyncio: the py_*.py scripts
 * next to this file).  For each workload it names the model that won on
 * this machine and says whether the rule held.
 *
 *   showdown                 print the tables and the verdict
 *   showdown --out DIR       ... and write matrix.dat, python.dat and
 *                            verdict.dat into DIR (`make showdown`)
 *   showdown --pss [--out DIR]  every cell once more, for its memory
 *                            counted fairly (PSS): pss.dat
 *   showdown --uring [--out DIR]  only the C cells of the two I/O workloads,
 *                            io_uring among them: uring.dat and
 *                            uring_verdict.dat (the verdict without it and
 *                            with it)
 *
 * Every cell runs in a child process of its own, so that its CPU time and
 * memory are its own.  C cells run three times, taking turns, and the run
 * with the median wall time is kept; QUICK=1 runs a small version once
 * (and writes to build/07-showdown, never over the committed data).
 * Before the program exits it checks that its own table and verdict are
 * well formed, and fails if they are not; it never judges a timing. */
#define _GNU_SOURCE
#include "io.h"
#include "models.h"
#include "net.h"
#include "primes.h"
#include "slow_server.h"
#include "timing.h"
#include "uring_model.h"
#include "uring_probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CPU, FAST, SLOW, WORKLOADS };
enum { PY_SEQ, PY_MP, PY_THREADS, PY_ASYNCIO, PY_MODELS };
/* The C models: lib/models.h's five, and io_uring (uring_model.h) for the
 * two I/O workloads only, where the kernel allows it. */
enum { C_URING = MODEL_COUNT, C_MODELS };
static const char *const c_name[C_MODELS] = { "sequential", "processes", "threads",
                                              "ch4_loop", "libuv", "io_uring" };
static int uring_ok; /* 0: io_uring's rows are left out, and the reason printed */

/* A workload: what the rows are called, and its size in C and in Python. */
struct workload {
    const char *name;    /* the rows' first column */
    const char *rule;    /* the model the notes pick for it */
    uint64_t n, py_n;    /* CPU: primes below n (C), py_n (Python) */
    int conns, per_conn; /* I/O */
    double delay_ms;     /* the slow server's delay */
};

static const char *const py_name[PY_MODELS] = { "sequential", "multiprocessing",
                                                "threading", "asyncio" };
static const char *const py_script[PY_MODELS] = { "py_sequential.py", "py_multiprocessing.py",
                                                  "py_threading.py", "py_asyncio.py" };
/* The models the rule names, for each workload, in C and in Python. */
static const int c_rule[WORKLOADS][C_MODELS] = {
    [CPU] = { [MODEL_PROCESSES] = 1 },
    [FAST] = { [MODEL_THREADS] = 1 },
    [SLOW] = { [MODEL_EVLOOP] = 1, [MODEL_LIBUV] = 1 },
};
static const int py_rule[WORKLOADS][PY_MODELS] = {
    [CPU] = { [PY_MP] = 1 }, [FAST] = { [PY_THREADS] = 1 }, [SLOW] = { [PY_ASYNCIO] = 1 },
};

#define TIE 0.10       /* within 10% of the fastest counts as as fast */
#define MAX_ROUNDS 3
#define MAX_FT 2       /* free-threaded rows: sequential and threading */

static struct workload wl[WORKLOADS];
static int workers, rounds, quick;
static double longest_s; /* a cell that would take longer is skipped */
static char python[32], python_version[160], ft_python[32], ft_version[160];
static char script_dir[1100];
static int problems;
static double free_start, free_end; /* cores free for us, measured */


/* ---- running Python cells ------------------------------------------------ */

/* Run `argv` with its stdout in buf (n bytes); kill it after timeout_s.
 * Returns its exit status, or -1 if it could not run or timed out. */
static int capture(char *const argv[], char *buf, size_t n, double timeout_s)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0); /* so that a timeout kills its children too */
        dup2(p[1], 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    size_t got = 0;
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    while (pid > 0) {
        struct pollfd pf = { .fd = p[0], .events = POLLIN };
        int left = (int)((deadline - now_s()) * 1000);
        if (left <= 0 || poll(&pf, 1, left) == 0) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            break;
        }
        ssize_t r = read(p[0], buf + got, n - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got == n - 1)
            break;
    }
    buf[got] = '\0';
    close(p[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (pid < 0 || timed_out)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct cell python_cell(const char *interp, int model, const char *kind,
                               const char *a1, const char *a2, const char *a3)
{
    struct cell c = { 0 };
    char path[1200], out[4096];
    snprintf(path, sizeof path, "%s/%s", script_dir, py_script[model]);
    char *argv[] = { (char *)interp, "-B", path, (char *)kind, (char *)a1, (char *)a2,
                     (char *)a3, NULL };
    int rc = capture(argv, out, sizeof out, quick ? 60 : 120);
    char *line = strstr(out, "result:");
    if (rc != 0 || !line ||
        sscanf(line, "result: %ld %ld %lf %lf %lf %lf %lf %lf", &c.ok, &c.failed, &c.wall,
               &c.cpu, &c.peak_mb, &c.anon_mb, &c.p50_ms, &c.p99_ms) != 8) {
        snprintf(c.why, sizeof c.why, "failed: %s %s %s exited with status %d",
                 interp, py_script[model], kind, rc);
        return c;
    }
    c.ran = 1;
    c.per_s = c.wall > 0 && strcmp(kind, "io") == 0 ? c.ok / c.wall : 0;
    return c;
}

/* ---- what to skip --------------------------------------------------------- */

/* The sequential model serves one connection at a time. */
static int too_long(const struct workload *w, char *why, size_t n)
{
    double s = w->conns * w->per_conn * w->delay_ms / 1e3;
    if (s <= longest_s)
        return 0;
    snprintf(why, n, "skipped: one request at a time would take about %.0f s "
             "(%d x %g ms)", s, w->conns * w->per_conn, w->delay_ms);
    return 1;
}

/* ---- the matrix ------------------------------------------------------------- */

static struct cell c_cell[WORKLOADS][C_MODELS][MAX_ROUNDS];
static struct cell py_runs[WORKLOADS][PY_MODELS][MAX_ROUNDS], py_cell[WORKLOADS][PY_MODELS];
static struct cell ft_runs[MAX_FT][MAX_ROUNDS], ft_cell[MAX_FT];
static double c_anon = 1, py_anon = 10; /* one process's memory, once measured */

static struct cell skipped(const char *why)
{
    struct cell c = { 0 };
    snprintf(c.why, sizeof c.why, "%s", why);
    return c;
}

/* Does this C cell have a row?  io_uring has none for the CPU workload,
 * and none at all where the kernel does not allow it. */
static int shown(int w, int m)
{
    return m != C_URING || (w != CPU && uring_ok);
}

static struct cell run_c(int w, int m)
{
    const struct workload *x = &wl[w];
    char why[200];
    if (!shown(w, m))
        return skipped("skipped: no io_uring row for this workload");
    if (m == C_URING) /* one thread, up to `conns` operations in the ring */
        return model_io_fits(MODEL_EVLOOP, x->conns, c_anon, why, sizeof why)
                   ? model_io_cell_with("io_uring", uring_model_io, x->delay_ms, x->conns,
                                        x->per_conn)
                   : skipped(why);
    if (w == CPU)
        return model_cpu_cell(m, 0, x->n, workers);
    if (m == MODEL_SEQUENTIAL && too_long(x, why, sizeof why))
        return skipped(why);
    if (!model_io_fits(m, x->conns, c_anon, why, sizeof why))
        return skipped(why);
    return model_io_cell(m, x->delay_ms, x->conns, x->per_conn); /* a fresh server */
}

static struct cell run_py(const char *interp, int w, int model)
{
    const struct workload *x = &wl[w];
    char a1[32], a2[32], a3[32], why[200];
    if (w == CPU) {
        snprintf(a1, sizeof a1, "%llu", (unsigned long long)x->py_n);
        snprintf(a2, sizeof a2, "%d", workers);
        return python_cell(interp, model, "cpu", a1, a2, NULL);
    }
    if (model == PY_SEQ && too_long(x, why, sizeof why))
        return skipped(why);
    enum model like = model == PY_MP ? MODEL_PROCESSES : model == PY_THREADS ? MODEL_THREADS
                                                                                : MODEL_EVLOOP;
    if (!model_io_fits(like, x->conns, py_anon, why, sizeof why)) {
        if (model == PY_MP) /* say whose processes they are */
            snprintf(why + strlen(why), sizeof why - strlen(why), " (Python processes)");
        return skipped(why);
    }
    struct slow_server server; /* a fresh one, as model_io_cell() gives the C cells */
    if (slow_server_start(&server, x->delay_ms) != 0)
        return skipped("failed: the slow server did not start");
    snprintf(a1, sizeof a1, "%d", server.port);
    snprintf(a2, sizeof a2, "%d", x->conns);
    snprintf(a3, sizeof a3, "%d", x->per_conn);
    struct cell c = python_cell(interp, model, "io", a1, a2, a3);
    slow_server_stop(&server);
    return c;
}

/* The round with the median wall time among those that ran. */
static struct cell pick(struct cell *r)
{
    int order[MAX_ROUNDS], n = 0;
    for (int k = 0; k < rounds; k++)
        if (r[k].ran)
            order[n++] = k;
    if (n == 0)
        return r[0];
    for (int i = 1; i < n; i++) /* insertion sort by wall */
        for (int j = i; j > 0 && r[order[j]].wall < r[order[j - 1]].wall; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    return r[order[(n - 1) / 2]];
}

static void note_anon(struct cell c, double *anon)
{
    if (c.ran && c.anon_mb > 0)
        *anon = c.anon_mb;
}

static void run_matrix(void)
{
    for (int k = 0; k < rounds; k++)
        for (int w = 0; w < WORKLOADS; w++)
            for (int i = 0; i < C_MODELS; i++) {
                int m = (i + k) % C_MODELS; /* take turns */
                c_cell[w][m][k] = run_c(w, m);
                if (m == MODEL_SEQUENTIAL && w == CPU)
                    note_anon(c_cell[w][m][k], &c_anon);
                if (isatty(2))
                    fprintf(stderr, "\r  C: round %d of %d, %-8s %-10s", k + 1, rounds,
                        wl[w].name, c_name[m]);
            }
    if (isatty(2))
        fprintf(stderr, "\r%60s\r", "");
}

static void run_python(void)
{
    for (int k = 0; k < rounds; k++) {
        for (int w = 0; w < WORKLOADS; w++)
            for (int i = 0; i < PY_MODELS; i++) {
                int m = (i + k) % PY_MODELS; /* take turns, as in C */
                if (!python[0]) {
                    py_runs[w][m][k] = skipped("skipped: python3 is not installed (make "
                                               "deps installs it)");
                    continue;
                }
                if (isatty(2))
                    fprintf(stderr, "\r  Python: round %d of %d, %-8s %-16s", k + 1, rounds,
                            wl[w].name, py_name[m]);
                py_runs[w][m][k] = run_py(python, w, m);
                if (m == PY_SEQ && w == CPU)
                    note_anon(py_runs[w][m][k], &py_anon);
            }
        for (int i = 0; i < MAX_FT; i++)
            ft_runs[i][k] = ft_python[0] ? run_py(ft_python, CPU, i ? PY_THREADS : PY_SEQ)
                                         : skipped("skipped: no free-threaded python on the "
                                                   "PATH");
    }
    if (isatty(2))
        fprintf(stderr, "\r%60s\r", "");
}

/* ---- memory counted fairly: PSS (showdown --pss) ------------------------------ */

/* Summing resident sets counts a page shared by n processes n times, so
 * it penalises only the models made of processes.  The proportional set
 * size (PSS, in /proc/PID/smaps_rollup since Linux 4.14) charges each of
 * the n processes 1/n of the page instead: summed over a tree of
 * processes it is what the tree costs the machine, and for one process
 * of threads it is its resident set less its share of the libraries.  The
 * kernel keeps no peak of it, so a thread samples the cell's processes
 * while the cell runs (a pause of 5 ms between passes; a pass over
 * thousands of processes takes longer) and keeps the largest sum.
 * The sampling costs CPU, so it runs in a pass of its own, never in the
 * timed rounds. */

static void describe_workloads(FILE *f, int py);
static volatile int sampling, pss_seen; /* passes that found the cell's processes */
static double pss_peak_mb;

/* Parent and comm of one process from /proc/PID/stat; 0 if it is gone. */
static int proc_parent(int pid, int *ppid, char *comm, size_t n)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[got] = '\0';
    char *open = strchr(buf, '('), *close = strrchr(buf, ')'); /* comm may hold spaces */
    if (!open || !close || sscanf(close + 2, "%*c %d", ppid) != 1)
        return 0;
    snprintf(comm, n, "%.*s", (int)(close - open - 1), open + 1);
    return 1;
}

/* The PSS of every process under this one that belongs to a cell: its
 * children other than the slow servers (plain forks, with our own name;
 * a C cell renames itself "cell", a Python cell is a python3), and all
 * of their descendants.  One pass over /proc, parents before children
 * is not guaranteed, so membership is settled by walking up.  *found
 * gets how many of them had a PSS to read (one that has just exited has
 * none). */
static double cells_pss_mb(int *found)
{
    static int pid[65536], ppid[65536];
    static signed char mark[65536]; /* 1 counted, -1 not, 0 unknown */
    char me[32], comm[32];
    int n = 0, self = getpid(), my_ppid;
    proc_parent(self, &my_ppid, me, sizeof me);
    DIR *d = opendir("/proc");
    for (struct dirent *e; d && (e = readdir(d)) && n < 65536;) {
        int p = atoi(e->d_name);
        if (p > 0 && proc_parent(p, &ppid[n], comm, sizeof comm)) {
            pid[n] = p;
            mark[n] = ppid[n] == self ? (strcmp(comm, me) ? 1 : -1) : 0;
            n++;
        }
    }
    if (d)
        closedir(d);
    double kb = 0;
    *found = 0;
    for (int i = 0; i < n; i++) {
        int j = i, hops = 0; /* walk up until a known process */
        while (mark[j] == 0 && hops++ < 64) {
            int k = 0;
            while (k < n && pid[k] != ppid[j])
                k++;
            if (k == n || pid[k] == self) { mark[j] = -1; break; }
            j = k;
        }
        mark[i] = mark[j] > 0 ? 1 : -1; /* settled: later walks stop here */
        if (mark[j] > 0) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pid[i]);
            long v = proc_field(path, "Pss");
            kb += v > 0 ? (double)v : 0;
            *found += v > 0;
        }
    }
    return kb / 1024;
}

static void *pss_sampler(void *arg)
{
    (void)arg;
    while (sampling) {
        int found;
        double mb = cells_pss_mb(&found);
        pss_peak_mb = mb > pss_peak_mb ? mb : pss_peak_mb;
        pss_seen += found > 0;
        usleep(5000);
    }
    return NULL;
}

/* Run one cell with the sampler beside it: *pss_mb gets its peak PSS,
 * *seen the number of the sampler's passes that found its processes. */
static struct cell sampled(struct cell (*run)(const char *, int, int), const char *interp,
                           int w, int m, double *pss_mb, int *seen)
{
    pthread_t t;
    pss_peak_mb = 0;
    pss_seen = 0;
    sampling = 1;
    int started = pthread_create(&t, NULL, pss_sampler, NULL) == 0;
    struct cell c = run(interp, w, m);
    sampling = 0;
    if (started)
        pthread_join(t, NULL);
    *pss_mb = pss_peak_mb;
    *seen = pss_seen;
    return c;
}

static struct cell run_c_any(const char *interp, int w, int m)
{
    (void)interp;
    return run_c(w, m);
}

static struct cell pss_c[WORKLOADS][C_MODELS], pss_py[WORKLOADS][PY_MODELS];
static double pss_c_mb[WORKLOADS][C_MODELS], pss_py_mb[WORKLOADS][PY_MODELS];
static int pss_c_seen[WORKLOADS][C_MODELS], pss_py_seen[WORKLOADS][PY_MODELS];

static void run_pss(void)
{
    for (int w = 0; w < WORKLOADS; w++)
        for (int m = 0; m < C_MODELS; m++) {
            pss_c[w][m] = sampled(run_c_any, NULL, w, m, &pss_c_mb[w][m], &pss_c_seen[w][m]);
            if (m == MODEL_SEQUENTIAL && w == CPU)
                note_anon(pss_c[w][m], &c_anon);
        }
    for (int w = 0; w < WORKLOADS && python[0]; w++)
        for (int m = 0; m < PY_MODELS; m++) {
            pss_py[w][m] = sampled(run_py, python, w, m, &pss_py_mb[w][m], &pss_py_seen[w][m]);
            if (m == PY_SEQ && w == CPU)
                note_anon(pss_py[w][m], &py_anon);
        }
}

/* "yes" if mb is within TIE (or 1 MB) of the least among the n that ran. */
static const char *lean(const struct cell *c, const double *mb, int n, int i)
{
    double least = INFINITY;
    for (int k = 0; k < n; k++)
        if (c[k].ran && mb[k] < least)
            least = mb[k];
    return mb[i] <= least * (1 + TIE) || mb[i] <= least + 1 ? "yes" : "no";
}

static void pss_rows(FILE *f, const char *lang, const char *const *names, int n,
                     const struct cell *c, const double *pss, int w)
{
    double rss[16];
    for (int m = 0; m < n; m++)
        rss[m] = c[m].peak_mb;
    for (int m = 0; m < n; m++) {
        char key[96];
        if (!strcmp(lang, "C") && !shown(w, m))
            continue;
        snprintf(key, sizeof key, "%s_%s_%s", lang, wl[w].name, names[m]);
        if (!c[m].ran) {
            fprintf(f, "%-34s %9s %9s %5s %5s\n", key, "-", "-", "-", "-");
            continue;
        }
        fprintf(f, "%-34s %9.1f %9.1f %5s %5s\n", key, c[m].peak_mb, pss[m],
                lean(c, rss, n, m), lean(c, pss, n, m));
    }
}

static void write_pss(FILE *f)
{
    print_machine(f);
    print_conditions(f, "build/demo/07-showdown/showdown --pss --out plots/07-showdown");
    fprintf(f, "# memory of every cell run once, beside a sampler: summed peak resident sets "
            "(as in matrix.dat) and the peak of the summed PSS (/proc/PID/smaps_rollup, "
            "sampled with 5 ms between passes); %d workers\n", workers);
    fprintf(f, "# lean: within %.0f%% (or 1 MB) of the least of that workload's models that "
            "ran, by that measure (the verdict also asks for as fast first)\n", TIE * 100);
    describe_workloads(f, 0);
    fprintf(f, "# columns: cell summed_RSS_(MB) PSS_(MB) lean_by_RSS lean_by_PSS\n");
    for (int w = 0; w < WORKLOADS; w++)
        pss_rows(f, "C", c_name, C_MODELS, pss_c[w], pss_c_mb[w], w);
    for (int w = 0; w < WORKLOADS && python[0]; w++)
        pss_rows(f, "Python", py_name, PY_MODELS, pss_py[w], pss_py_mb[w], w);
}

/* ---- the verdict -------------------------------------------------------------- */

struct verdict {
    const char *rule, *winner, *held; /* held: yes, partly, no, untested */
    double time_x, mem_x; /* the rule's model against the winner */
    char why[200];
};

/* Who won.  The models within TIE of the fastest are "as fast"; of
 * those, the ones within TIE (or 1 MB) of the least memory are "as lean";
 * the winner is the rule's model if it is one of these, else the fastest
 * of them.  The rule held ("yes") if its model was as fast and as lean,
 * "partly" if it was as fast but used more memory, "no" if it was slower. */
static int leaner(const struct cell *a, const struct cell *b)
{
    return a->peak_mb < b->peak_mb / (1 + TIE) && a->peak_mb < b->peak_mb - 1;
}

static void list_others(char *buf, size_t n, const char *const *names, const int *set,
                        int count, int except)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0, seen = 0; i < count && len < n; i++)
        if (set[i] && i != except)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", seen++ ? " and " : "", names[i]);
}

static struct verdict judge(const struct cell *c, const char *const *names, int n,
                            const int *rule)
{
    struct verdict v = { .rule = "", .winner = "-", .held = "untested", .time_x = NAN,
                         .mem_x = NAN };
    int fast = -1, lean = -1, win = -1, r = -1;
    for (int i = 0; i < n; i++) {
        if (rule[i] && !v.rule[0])
            v.rule = names[i];
        if (c[i].ran && (fast < 0 || c[i].wall < c[fast].wall))
            fast = i;
    }
    int as_fast[16] = { 0 }, as_lean[16] = { 0 };
    for (int i = 0; i < n; i++) {
        as_fast[i] = c[i].ran && fast >= 0 && c[i].wall <= c[fast].wall * (1 + TIE);
        if (as_fast[i] && (lean < 0 || c[i].peak_mb < c[lean].peak_mb))
            lean = i;
        if (rule[i] && c[i].ran && (r < 0 || c[i].wall < c[r].wall))
            r = i; /* of two event loops, the faster stands for the rule */
    }
    for (int i = 0; i < n; i++) {
        as_lean[i] = as_fast[i] && !leaner(&c[lean], &c[i]);
        if (as_lean[i] && (win < 0 || c[i].wall < c[win].wall))
            win = i;
    }
    if (win < 0) {
        snprintf(v.why, sizeof v.why, "no model could run here");
        return v;
    }
    if (r >= 0 && as_lean[r])
        win = r;
    v.winner = names[win];
    if (r < 0) {
        snprintf(v.why, sizeof v.why, "the rule's model could not run here");
        return v;
    }
    v.rule = names[r];
    v.time_x = c[r].wall / c[win].wall;
    v.mem_x = c[r].peak_mb / c[win].peak_mb;
    char others[120];
    list_others(others, sizeof others, names, as_lean, n, r);
    if (as_lean[r] && others[0])
        v.held = "yes", snprintf(v.why, sizeof v.why, "a tie with %s", others);
    else if (as_lean[r] && fast == r)
        v.held = "yes", snprintf(v.why, sizeof v.why, "the fastest");
    else if (as_lean[r])
        v.held = "yes", snprintf(v.why, sizeof v.why, "as fast as %s, leaner", names[fast]);
    else if (as_fast[r])
        v.held = "partly", snprintf(v.why, sizeof v.why, "%s as fast, %.1fx leaner",
                                    names[win], v.mem_x);
    else
        v.held = "no", snprintf(v.why, sizeof v.why, "%s %.2fx as fast", names[win],
                                v.time_x);
    return v;
}

static struct verdict c_verdict[WORKLOADS], py_verdict[WORKLOADS];
static struct cell c_best[WORKLOADS][C_MODELS];

static void decide(void)
{
    for (int i = 0; i < MAX_FT; i++)
        ft_cell[i] = pick(ft_runs[i]);
    for (int w = 0; w < WORKLOADS; w++) {
        for (int m = 0; m < C_MODELS; m++)
            c_best[w][m] = pick(c_cell[w][m]);
        for (int m = 0; m < PY_MODELS; m++)
            py_cell[w][m] = pick(py_runs[w][m]);
        c_verdict[w] = judge(c_best[w], c_name, C_MODELS, c_rule[w]);
        py_verdict[w] = judge(py_cell[w], py_name, PY_MODELS, py_rule[w]);
    }
}

/* ---- output ------------------------------------------------------------------- */

static void underscores(char *s)
{
    for (; *s; s++)
        if (*s == ' ' || *s == '\t')
            *s = '_';
}

static void header(FILE *f, const char *what)
{
    print_machine(f);
    fprintf(f, "# %s; %d workers; %s\n", what, workers,
            quick ? "QUICK=1: a small version, one round"
                  : "each cell the run with the median wall time of 3, taking turns");
    fprintf(f, "# cores free for the models: %.2f before, %.2f after (the speedup of a small "
            "prime count on %d threads; anything else running lowers it)\n", free_start,
            free_end, workers);
}

/* A skipped cell says "skipped" in its first column; skipped.dat says why. */
static void row(FILE *f, const char *workload, const char *model, const struct cell *c,
                const struct cell *base, int io)
{
    if (!c->ran) {
        fprintf(f, "%-9s %-16s %8s %8s %9s %7s %9s %8s %8s\n", workload, model,
                strncmp(c->why, "skipped", 7) ? "failed" : "skipped", "-", "-", "-", "-", "-",
                "-");
        return;
    }
    char speedup[16] = "-";
    if (base && base->ran)
        snprintf(speedup, sizeof speedup, "%.2f", base->wall / c->wall);
    if (io)
        fprintf(f, "%-9s %-16s %8.3f %8.3f %9.1f %7s %9.0f %8.2f %8.2f\n", workload, model,
                c->wall, c->cpu, c->peak_mb, speedup, c->per_s, c->p50_ms, c->p99_ms);
    else
        fprintf(f, "%-9s %-16s %8.3f %8.3f %9.1f %7s %9s %8s %8s\n", workload, model,
                c->wall, c->cpu, c->peak_mb, speedup, "-", "-", "-");
}

static const char *columns =
    "# columns: workload model wall_(s) CPU_(s) peak_(MB) speedup requests/s p50_(ms) "
    "p99_(ms)\n";

static void skip_row(FILE *f, const char *lang, int w, const char *model, const struct cell *c,
                     int *rows)
{
    char cell[96], why[220];
    if (c->ran)
        return;
    snprintf(cell, sizeof cell, "%s_%s_%s", lang, wl[w].name, model);
    snprintf(why, sizeof why, "%s", strncmp(c->why, "skipped: ", 9) ? c->why : c->why + 9);
    underscores(cell);
    underscores(why);
    fprintf(f, "%-36s %s\n", cell, why);
    ++*rows;
}

static void write_skipped(FILE *f)
{
    int rows = 0;
    print_machine(f);
    fprintf(f, "# the cells that did not run, and why\n");
    fprintf(f, "# columns: cell why\n");
    for (int w = 0; w < WORKLOADS; w++)
        for (int m = 0; m < C_MODELS; m++)
            if (shown(w, m))
                skip_row(f, "C", w, c_name[m], &c_best[w][m], &rows);
    for (int w = 0; w < WORKLOADS; w++)
        for (int m = 0; m < PY_MODELS; m++)
            skip_row(f, "Python", w, py_name[m], &py_cell[w][m], &rows);
    for (int i = 0; i < MAX_FT; i++)
        skip_row(f, "free-threaded", CPU, i ? "threading" : "sequential", &ft_cell[i], &rows);
    if (!rows)
        fprintf(f, "none every_cell_ran\n");
}

static void describe_workloads(FILE *f, int py)
{
    fprintf(f, "# CPU: primes below %llu; fast_I/O: %d connections x %d requests, %g ms "
            "each; slow_I/O: %d connections x %d request, %g ms\n",
            (unsigned long long)(py ? wl[CPU].py_n : wl[CPU].n), wl[FAST].conns,
            wl[FAST].per_conn, wl[FAST].delay_ms, wl[SLOW].conns, wl[SLOW].per_conn,
            wl[SLOW].delay_ms);
    fprintf(f, "# peak: maximum resident memory, added up over the processes; speedup: "
            "sequential wall time / this one\n");
}

static void write_matrix(FILE *f)
{
    header(f, "the showdown in C");
    describe_workloads(f, 0);
    fputs(columns, f);
    for (int i = 0; i < WORKLOADS * C_MODELS; i++) { /* io_uring's rows last: the
                                                      * rows before keep their numbers */
        int w = i < WORKLOADS * MODEL_COUNT ? i / MODEL_COUNT : i - WORKLOADS * MODEL_COUNT;
        int m = i < WORKLOADS * MODEL_COUNT ? i % MODEL_COUNT : C_URING;
        if (shown(w, m))
            row(f, wl[w].name, c_name[m], &c_best[w][m], &c_best[w][MODEL_SEQUENTIAL],
                w != CPU);
    }
}

/* ---- showdown --uring: the I/O cells alone, io_uring among them --------------- */

static void check_cell(const char *lang, int w, const char *model, const struct cell *c,
                       long cpu_answer);
static void check_file(const char *path);
static void show(void (*write)(FILE *));

static struct verdict five[WORKLOADS]; /* the verdict without io_uring */

static void write_uring(FILE *f)
{
    header(f, "the I/O workloads in C, io_uring beside the five models of matrix.dat");
    print_conditions(f, "build/demo/07-showdown/showdown --uring --out plots/07-showdown");
    describe_workloads(f, 0);
    fputs(columns, f);
    for (int w = FAST; w <= SLOW; w++)
        for (int m = 0; m < C_MODELS; m++)
            row(f, wl[w].name, c_name[m], &c_best[w][m], &c_best[w][MODEL_SEQUENTIAL], 1);
}

static void write_uring_verdict(FILE *f)
{
    header(f, "the verdict on the I/O workloads without io_uring and with it (showdown --uring)");
    fprintf(f, "# judged as in verdict.dat; changed: whether adding io_uring changed the "
            "winner\n");
    fprintf(f, "# columns: case rule winner_without winner_with changed held_with why_with\n");
    for (int w = FAST; w <= SLOW; w++) {
        char key[64], why[220];
        snprintf(key, sizeof key, "C_%s", wl[w].name);
        snprintf(why, sizeof why, "%s", c_verdict[w].why);
        underscores(why);
        fprintf(f, "%-12s %-10s %-10s %-10s %-7s %-8s %s\n", key, c_verdict[w].rule,
                five[w].winner, c_verdict[w].winner,
                strcmp(five[w].winner, c_verdict[w].winner) ? "yes" : "no", c_verdict[w].held,
                why);
    }
}

/* Only the C cells of the I/O workloads, in the usual rounds, taking turns. */
static int uring_pass(const char *dir, double t0)
{
    if (!uring_ok)
        return 0; /* the sentence is printed; the committed data stays */
    free_start = cores_free(usable_cores());
    for (int k = 0; k < rounds; k++)
        for (int w = FAST; w <= SLOW; w++)
            for (int i = 0; i < C_MODELS; i++) {
                int m = (i + k) % C_MODELS;
                c_cell[w][m][k] = run_c(w, m);
            }
    free_end = cores_free(usable_cores());
    for (int w = FAST; w <= SLOW; w++) {
        for (int m = 0; m < C_MODELS; m++)
            c_best[w][m] = pick(c_cell[w][m]);
        five[w] = judge(c_best[w], c_name, MODEL_COUNT, c_rule[w]);
        c_verdict[w] = judge(c_best[w], c_name, C_MODELS, c_rule[w]);
        for (int m = 0; m < C_MODELS; m++)
            check_cell("C", w, c_name[m], &c_best[w][m], -1);
    }
    show(write_uring);
    show(write_uring_verdict);
    const char *names[] = { "uring.dat", "uring_verdict.dat" };
    void (*writers[])(FILE *) = { write_uring, write_uring_verdict };
    if (dir) {
        mkdir("build", 0777);
        mkdir(dir, 0777);
    }
    for (int i = 0; i < 2 && dir; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        if (!f) {
            printf("showdown: cannot write %s: %s\n", path, strerror(errno));
            return 1;
        }
        writers[i](f);
        fclose(f);
        check_file(path);
    }
    printf("The I/O cells took %.0f s.  Self-check: %d problem%s.\n", now_s() - t0, problems,
           problems == 1 ? "" : "s");
    return problems != 0;
}

static void write_python(FILE *f)
{
    header(f, "the showdown in Python");
    fprintf(f, "# python3: %s\n", python[0] ? python_version : "not installed");
    fprintf(f, "# free-threaded python (PEP 703): %s\n",
            ft_python[0] ? ft_version : "none on the PATH");
    describe_workloads(f, 1);
    fputs(columns, f);
    for (int w = 0; w < WORKLOADS; w++)
        for (int m = 0; m < PY_MODELS; m++)
            row(f, wl[w].name, py_name[m], &py_cell[w][m], &py_cell[w][PY_SEQ], w != CPU);
    if (ft_python[0]) {
        char name[2][48];
        snprintf(name[0], sizeof name[0], "%s:sequential", ft_python);
        snprintf(name[1], sizeof name[1], "%s:threading", ft_python);
        for (int i = 0; i < MAX_FT; i++)
            row(f, "CPU", name[i], &ft_cell[i], &ft_cell[0], 0);
    }
}

static void verdict_row(FILE *f, const char *lang, int w, const struct verdict *v)
{
    char key[64], why[220];
    snprintf(key, sizeof key, "%s_%s", lang, wl[w].name);
    snprintf(why, sizeof why, "%s", v->why);
    underscores(why);
    fprintf(f, "%-16s %-15s %-15s %-8s %6.2f %6.2f %s\n", key, v->rule[0] ? v->rule : "-",
            v->winner, v->held, v->time_x, v->mem_x, why);
}

static void write_verdict(FILE *f)
{
    header(f, "the verdict: who won each workload here, and whether the notes' rule held");
    fprintf(f, "# as fast: within %.0f%% of the fastest; as lean: within %.0f%% (or 1 MB) of "
            "the least memory among those; winner: the rule's model if it is both, else the "
            "fastest of those as fast and as lean\n", TIE * 100, TIE * 100);
    fprintf(f, "# held: yes (as fast and as lean), partly (as fast, more memory), no (slower); "
            "time_x and memory_x: the rule's model / the winner\n");
    fprintf(f, "# columns: case rule winner held time_x memory_x why\n");
    for (int w = 0; w < WORKLOADS; w++)
        verdict_row(f, "C", w, &c_verdict[w]);
    for (int w = 0; w < WORKLOADS; w++)
        verdict_row(f, "Python", w, &py_verdict[w]);
}

/* The terminal gets the same tables, with spaces for underscores. */
static void show(void (*write)(FILE *))
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    write(m);
    fclose(m);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "# columns: ", 11) == 0)
            line += 11;
        else if (line[0] == '#')
            line += 2;
        for (char *p = line; *p; p++)
            *p = *p == '_' ? ' ' : *p;
        printf("  %s\n", line);
    }
    printf("\n");
    free(text);
}

/* ---- checking our own output ------------------------------------------------- */

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "showdown: self-check: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    problems++;
}

static void check_cell(const char *lang, int w, const char *model, const struct cell *c,
                       long cpu_answer)
{
    const char *where = wl[w].name;
    if (!c->ran) {
        if (strncmp(c->why, "skipped: ", 9) != 0)
            problem("%s %s %s did not run: %s", lang, where, model, c->why);
        return;
    }
    if (!(c->wall > 0) || !isfinite(c->wall) || !(c->cpu >= 0) || !(c->peak_mb > 0))
        problem("%s %s %s: wall %g s, CPU %g s, peak %g MB are not all measured", lang, where,
                model, c->wall, c->cpu, c->peak_mb);
    if (w == CPU && cpu_answer >= 0 && c->ok != cpu_answer)
        problem("%s %s %s counted %ld primes, the sequential model %ld", lang, where, model,
                c->ok, cpu_answer);
    long want = (long)wl[w].conns * wl[w].per_conn;
    if (w != CPU && (c->ok != want || c->failed != 0))
        problem("%s %s %s: %ld of %ld replies right, %ld wrong or missing", lang, where, model,
                c->ok, want, c->failed);
    if (w != CPU && !(c->per_s > 0 && c->p50_ms > 0 && c->p50_ms <= c->p99_ms))
        problem("%s %s %s: requests/s %g, p50 %g ms, p99 %g ms are not well formed", lang,
                where, model, c->per_s, c->p50_ms, c->p99_ms);
}

static void check_verdict(const char *lang, int w, const struct verdict *v,
                          const struct cell *c, const char *const *names, int n)
{
    int ran = 0;
    for (int i = 0; i < n; i++)
        ran += c[i].ran;
    int known = !strcmp(v->held, "yes") || !strcmp(v->held, "partly") || !strcmp(v->held, "no");
    if (ran && strcmp(v->held, "untested") && !known)
        problem("%s %s: the verdict says '%s'", lang, wl[w].name, v->held);
    if (ran && !strcmp(v->held, "untested") && strcmp(v->why, "the rule's model could not run here"))
        problem("%s %s: models ran but there is no verdict (%s)", lang, wl[w].name, v->why);
    int found = 0;
    for (int i = 0; i < n; i++)
        found |= c[i].ran && !strcmp(names[i], v->winner);
    if (ran && !found)
        problem("%s %s: the winner '%s' is not a model that ran", lang, wl[w].name, v->winner);
    if (known && !(v->time_x > 0 && v->mem_x > 0))
        problem("%s %s: the verdict's ratios are not numbers", lang, wl[w].name);
}

/* A data file: a machine line, a columns line, and rows with that many fields. */
static void check_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int ncol = -1, rows = 0, machine = 0;
    if (!f) {
        problem("%s was not written", path);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        int fields = 0;
        char *save, *tok = strtok_r(line, " \t\n", &save);
        if (tok && !strcmp(tok, "#")) {
            tok = strtok_r(NULL, " \t\n", &save);
            machine |= tok && !strcmp(tok, "machine:");
            if (tok && !strcmp(tok, "columns:"))
                for (ncol = 0; strtok_r(NULL, " \t\n", &save);)
                    ncol++;
            continue;
        }
        for (; tok; tok = strtok_r(NULL, " \t\n", &save))
            fields++;
        if (fields && fields != ncol)
            problem("%s: a row has %d fields, the columns line names %d", path, fields, ncol);
        rows += fields > 0;
    }
    fclose(f);
    if (!machine || ncol < 0 || rows == 0)
        problem("%s: no machine line, columns line or rows", path);
}

static void self_check(const char *dir)
{
    long c_primes = c_best[CPU][MODEL_SEQUENTIAL].ran ? c_best[CPU][MODEL_SEQUENTIAL].ok : -1;
    long py_primes = py_cell[CPU][PY_SEQ].ran ? py_cell[CPU][PY_SEQ].ok : -1;
    for (int w = 0; w < WORKLOADS; w++) {
        for (int m = 0; m < C_MODELS; m++)
            check_cell("C", w, c_name[m], &c_best[w][m], c_primes);
        for (int m = 0; m < PY_MODELS; m++)
            check_cell("Python", w, py_name[m], &py_cell[w][m], py_primes);
        check_verdict("C", w, &c_verdict[w], c_best[w], c_name, C_MODELS);
        check_verdict("Python", w, &py_verdict[w], py_cell[w], py_name, PY_MODELS);
    }
    for (int i = 0; i < MAX_FT; i++)
        check_cell("free-threaded Python", CPU, i ? "threading" : "sequential", &ft_cell[i],
                   py_primes);
    if (!c_best[CPU][MODEL_SEQUENTIAL].ran)
        problem("the sequential C baseline did not run: %s", c_best[CPU][MODEL_SEQUENTIAL].why);
    const char *files[] = { "matrix.dat", "python.dat", "verdict.dat", "skipped.dat" };
    for (int i = 0; i < 4; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        check_file(path);
    }
}

/* ---- setting up ------------------------------------------------------------------ */

static void setup_workloads(void)
{
    /* Fast I/O: a delay well under a millisecond, a few connections, many
     * requests on each.  Slow I/O: many connections, one slow request each. */
    wl[CPU] = (struct workload){ "CPU", "processes", quick ? 1000000 : 5000000,
                                 quick ? 60000 : 1000000, 0, 0, 0 };
    wl[FAST] = (struct workload){ "fast_I/O", "threads", 0, 0, quick ? 4 : 8,
                                  quick ? 50 : 500, 0.1 };
    wl[SLOW] = (struct workload){ "slow_I/O", "event loop", 0, 0, quick ? 100 : 5000, 1,
                                  quick ? 50 : 200 };
    longest_s = quick ? 2 : 30;
}

/* The scripts sit next to this program's source: build/demo/07-showdown/
 * showdown -> chapters/07-showdown/, whatever the current directory. */
static void find_scripts(void)
{
    char exe[1024];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 64);
    snprintf(script_dir, sizeof script_dir, "chapters/07-showdown");
    if (n <= 0)
        return;
    exe[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return;
        *slash = '\0';
    }
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/chapters/07-showdown/pyshow.py", exe);
    if (access(probe, R_OK) == 0)
        snprintf(script_dir, sizeof script_dir, "%s/chapters/07-showdown", exe);
}

/* Does `cmd` run, and what is its version?  For a free-threaded build,
 * also that its GIL is really off. */
static int probe_python(const char *cmd, int free_threaded, char *version, size_t n)
{
    char out[100];
    const char *code = free_threaded
        ? "import sys; print(sys.version.split()[0], "
          "'GIL off' if not getattr(sys, '_is_gil_enabled', lambda: True)() else 'GIL on')"
        : "import sys; print(sys.version.split()[0])";
    char *argv[] = { (char *)cmd, "-c", (char *)code, NULL };
    if (capture(argv, out, sizeof out, 20) != 0 || !out[0])
        return 0;
    out[strcspn(out, "\n")] = '\0';
    if (free_threaded && !strstr(out, "GIL off"))
        return 0;
    snprintf(version, n, "%s %s", cmd, out);
    return 1;
}

static void find_pythons(void)
{
    if (probe_python("python3", 0, python_version, sizeof python_version))
        snprintf(python, sizeof python, "python3");
    const char *ft[] = { "python3.13t", "python3.14t", "python3.15t", "python3t" };
    for (size_t i = 0; i < sizeof ft / sizeof *ft && !ft_python[0]; i++)
        if (probe_python(ft[i], 1, ft_version, sizeof ft_version))
            snprintf(ft_python, sizeof ft_python, "%s", ft[i]);
}

static void explain_pythons(void)
{
    if (python[0])
        printf("Python: %s, beside the C versions.\n", python_version);
    else
        printf("Python: python3 is not installed here, so the Python half of the showdown "
               "is skipped (make deps installs it).\n");
    if (ft_python[0])
        printf("Free-threaded Python (PEP 703): %s, run on the CPU workload too.\n",
               ft_version);
    else
        printf("Free-threaded Python (PEP 703): no python3.13t or later on the PATH; "
               "its rows are skipped.\n");
}

static const char *out_dir(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--out"))
            dir = argv[i + 1];
    if (dir && quick) {
        printf("QUICK=1: the data goes to build/07-showdown, not over %s.\n", dir);
        dir = "build/07-showdown";
    }
    return dir;
}

static int write_files(const char *dir)
{
    struct {
        const char *name;
        void (*write)(FILE *);
    } files[] = { { "matrix.dat", write_matrix }, { "python.dat", write_python },
                  { "verdict.dat", write_verdict }, { "skipped.dat", write_skipped } };
    mkdir("build", 0777);
    mkdir(dir, 0777);
    for (int i = 0; i < 4; i++) {
        char path[1200], tmp[1300];
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f) {
            fprintf(stderr, "showdown: cannot write %s: %s\n", tmp, strerror(errno));
            return -1;
        }
        files[i].write(f);
        if (fclose(f) != 0 || rename(tmp, path) != 0)
            return -1;
    }
    return 0;
}

static int has_flag(int argc, char **argv, const char *flag)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], flag))
            return 1;
    return 0;
}

/* showdown --pss [--out DIR]: every cell once, for its memory (pss.dat). */
static int pss_pass(const char *dir, double t0)
{
    run_pss();
    show(write_pss);
    /* A cell that ended between two passes of the sampler (QUICK=1 on a
     * busy machine) was never seen, and is said; most cells unseen means
     * the sampler cannot find or read them, which fails. */
    int ran = 0, unseen = 0;
    for (int w = 0; w < WORKLOADS; w++) {
        for (int m = 0; m < C_MODELS; m++) {
            ran += pss_c[w][m].ran;
            unseen += pss_c[w][m].ran && !pss_c_seen[w][m];
        }
        for (int m = 0; m < PY_MODELS && python[0]; m++) {
            ran += pss_py[w][m].ran;
            unseen += pss_py[w][m].ran && !pss_py_seen[w][m];
        }
    }
    if (proc_field("/proc/self/smaps_rollup", "Pss") <= 0 || 2 * unseen > ran) {
        printf("Self-check: the sampler never saw the processes of %d of the %d cells that "
               "ran (PSS 0): is /proc/PID/smaps_rollup readable here?  Re-run: showdown "
               "--pss\n", unseen, ran);
        return 1;
    }
    if (unseen)
        printf("(%d cell%s ended between two passes of the sampler, so %s PSS is 0 "
               "here: run it without QUICK=1, on a quieter machine, for pss.dat.)\n",
               unseen, unseen == 1 ? "" : "s", unseen == 1 ? "its" : "their");
    if (!dir)
        return 0;
    char path[1200], tmp[1300];
    mkdir("build", 0777);
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/pss.dat", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return 1;
    write_pss(f);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return 1;
    printf("Data written to %s (%.0f s).\n", path, now_s() - t0);
    return 0;
}

int main(int argc, char **argv)
{
    quick = quick_mode();
    rounds = quick ? 1 : MAX_ROUNDS;
    workers = usable_cores();
    const char *dir = out_dir(argc, argv);
    setup_workloads();
    find_scripts();
    find_pythons();
    long files = raise_fd_limit(1L << 20); /* the server and the cells inherit it */
    print_machine(stdout);
    printf("The showdown: %d workers, open-file limit %ld, %.0f MB of memory available.\n",
           workers, files, available_mb());
    explain_pythons();
    char why[512];
    if (!(uring_ok = uring_usable(why, sizeof why)))
        printf("showdown: %s\n", why);
    else
        printf("io_uring: one more C model for the two I/O workloads (uring_model.h).\n");
    double t0 = now_s();
    if (has_flag(argc, argv, "--pss"))
        return pss_pass(dir, t0);
    if (has_flag(argc, argv, "--uring"))
        return uring_pass(dir, t0);
    free_start = cores_free(usable_cores());
    run_matrix();
    run_python();
    free_end = cores_free(usable_cores());
    decide();
    printf("\n");
    show(write_matrix);
    show(write_python);
    show(write_skipped);
    show(write_verdict);
    char scratch[] = "/tmp/showdown-XXXXXX";
    const char *check_dir = dir;
    if (!dir && !(check_dir = mkdtemp(scratch)))
        return 1;
    if (write_files(check_dir) != 0)
        return 1;
    if (dir)
        printf("Data written to %s/{matrix,python,verdict,skipped}.dat\n", dir);
    self_check(check_dir);
    if (!dir) /* only checked: nothing is kept */
        for (int i = 0; i < 4; i++) {
            char path[1200];
            snprintf(path, sizeof path, "%s/%s", check_dir,
                     (const char *[]){ "matrix.dat", "python.dat", "verdict.dat",
                                       "skipped.dat" }[i]);
            unlink(path);
        }
    if (!dir)
        rmdir(check_dir);
    if (!quick && (free_start < 0.85 * workers || free_end < 0.85 * workers))
        printf("Note: other programs were using the cores (%.2f and %.2f of %d free): the "
               "numbers show it.  Run it again when the machine is quieter.\n", free_start,
               free_end, workers);
    printf("The showdown took %.0f s.  ", now_s() - t0);
    if (problems) {
        printf("Self-check: %d problem%s (above).\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    printf("Self-check: the tables and the verdict are well formed.\n");
    return 0;
}
