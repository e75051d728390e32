/* sandbox.c: run learner code in a contained child and say what it left.
 *
 * The child gets its own process group (so one kill reaches every process
 * it forks), rlimits, a shared fork counter (RLIMIT_NPROC does nothing for
 * root, and CI runs as root) and memfds for stdout and stderr.  Where the
 * machine allows it, the child and everything it starts also live in a
 * pids cgroup of their own: a cap on tasks that counts threads and raw
 * clone() calls too, and a list of every process the call left, daemons
 * included.  After the call the child inspects itself through /proc and
 * LeakSanitizer, and writes its findings into memory shared with the
 * parent. */
#define _GNU_SOURCE
#include "grader.h"
#include "interpose.h"
#include "report.h"
#include "sampler.h"

#include "timing.h"
#include "todo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
/* In libasan, without a header in GCC 12 (allocator_interface.h). */
int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
                                              void (*)(const volatile void *));

/* Learner code runs only in the sandbox's child, which checks for leaks
 * itself (check_leaks) and leaves by _exit().  The check LSan makes at
 * every other exit, in each of Criterion's test processes, scanned the
 * test's memory for nothing: an eighth of their CPU time.  ASAN_OPTIONS
 * still overrides it. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "leak_check_at_exit=0";
}
#endif

__attribute__((weak)) const char *gr_exercise_name = "this exercise";

const char *gr_rerun(void)
{
    static char buf[256];
    const char *env = getenv("GRADER_RERUN");
    if (env && *env)
        return env;
    snprintf(buf, sizeof buf, "make check EX=%s", gr_exercise_name);
    return buf;
}

int gr_early(void)
{
    const char *early = getenv("GRADER_EARLY");
    return !early || strcmp(early, "0") != 0;
}

unsigned long gr_seed(void)
{
    static unsigned long seed;
    static int have;
    if (!have) {
        const char *env = getenv("GRADER_SEED");
        if (env && *env)
            seed = strtoul(env, NULL, 10);
        else if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
            seed = (unsigned long)now_s() ^ (unsigned long)getpid() << 16;
        if (!(env && *env))
            seed %= 1000000; /* short enough to type back in */
        have = 1;
    }
    return seed;
}

/* ---- the fork cap ---------------------------------------------------- */

struct shared {
    _Atomic int forks;
    _Atomic int cap_hit;
    int cap;
    int finished; /* the child got back from the call and checked itself */
    int in_cgroup; /* the child joined the call's pids cgroup */
    _Atomic int budget_set; /* ... or tried to, and fell back (join_budget) */
    struct gr_watch watch; /* threads and refused signals (interpose.c) */
    volatile double window[2]; /* now_s() around fn, for the sampler */
    struct gr_run run;
    char out[];
};

static struct shared *active; /* non-NULL only inside a sandbox */

pid_t __real_fork(void);
pid_t __wrap_fork(void);

/* Tests link with -Wl,--wrap=fork, so every fork() in learner code lands
 * here.  Past the cap it fails the way a real fork fails under a process
 * limit, which well-written code already handles. */
pid_t __wrap_fork(void)
{
    if (active) {
        if (atomic_fetch_add(&active->forks, 1) >= active->cap) {
            atomic_store(&active->cap_hit, 1);
            errno = EAGAIN;
            return -1;
        }
    }
    return __real_fork();
}

/* ---- /proc, read the way the sandbox needs it ------------------------- */

struct proc_info {
    pid_t pid, ppid, pgrp;
    char state;
    int threads;
};

/* One process's state, parents and thread count from /proc/PID/stat. */
static int read_stat(pid_t pid, struct proc_info *pi)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    char *rp = strrchr(buf, ')'); /* the command name may hold spaces */
    pi->pid = pid;
    return rp && sscanf(rp + 2, "%c %d %d %*d %*d %*d %*u %*u %*u %*u %*u "
                        "%*u %*u %*d %*d %*d %*d %d", &pi->state, &pi->ppid,
                        &pi->pgrp, &pi->threads) == 4;
}

/* Every process on the machine; the caller frees the array. */
static struct proc_info *all_procs(int *count)
{
    int n = 0, cap = 1024;
    struct proc_info *v = malloc(cap * sizeof *v);
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (v && d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (n == cap) {
            struct proc_info *bigger = realloc(v, (cap *= 2) * sizeof *v);
            if (!bigger)
                break;
            v = bigger;
        }
        n += read_stat(atoi(e->d_name), &v[n]);
    }
    if (d)
        closedir(d);
    *count = v ? n : 0;
    return v;
}

/* ---- the pids cgroup: a task budget that counts everything ------------ */

/* Each call gets a cgroup of its own under the test process's: with
 * pids.max it caps processes and threads alive at once, however they were
 * made (a raw syscall(SYS_fork) or clone() included), pids.peak gives the
 * most that were alive, and cgroup.procs lists every process that is left
 * after the call, whichever session or process group it moved to.  v1 (the
 * pids hierarchy) or v2 (the unified one, where pids is delegated); where
 * neither can be written (an unprivileged user), RLIMIT_NPROC does the
 * capping, and the /proc walk below does the finding. */
enum budget { BUDGET_UNKNOWN, BUDGET_V1, BUDGET_V2, BUDGET_NPROC, BUDGET_WRAP };
static enum budget budget_used;

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The number after `key` in a cgroup file ("max 3", or just "3" when key
 * is ""); -1 when the file or the key is missing. */
static long read_number(const char *dir, const char *name, const char *key)
{
    char path[300], buf[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *at = *key ? strstr(buf, key) : buf;
    return at && n > 0 ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* This process's cgroup path in hierarchy v1 "pids" or in v2. */
static int own_cgroup(int v2, char *buf, size_t n)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[512];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *colon = strchr(line, ':'), *path = NULL;
        if (v2 && strncmp(line, "0::", 3) == 0)
            path = line + 3;
        else if (!v2 && colon && strncmp(colon, ":pids:", 6) == 0)
            path = colon + 6;
        if (path) {
            snprintf(buf, n, "%.150s", strcmp(path, "/") == 0 ? "" : path);
            found = 1;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* A test process that died during a call (a Criterion timeout, a kill)
 * could not remove its cgroup: remove those of processes that are gone.
 * Once per test process; rmdir() refuses any that still hold a task. */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    int pid;
    while (d && (e = readdir(d))) {
        char path[400];
        pid = 0;
        if (sscanf(e->d_name, "grader-%d-", &pid) != 1 || pid == getpid())
            continue;
        snprintf(path, sizeof path, "/proc/%d", pid);
        if (access(path, F_OK) != 0) {
            snprintf(path, sizeof path, "%.190s/%.200s", parent, e->d_name);
            rmdir(path);
        }
    }
    if (d)
        closedir(d);
}

/* Make this call's cgroup and set its cap; "" in p->cgroup if we cannot. */
static void make_cgroup(struct gr_proc *p)
{
    static const char *const mounts[2] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup" };
    static int seq;
    char own[160], max[32];
    snprintf(max, sizeof max, "%d", p->lim.max_tasks);
    /* A parent delegated to us: grade.py, as root, makes one and hands it
     * to the unprivileged user the tests run as. */
    const char *given = getenv("GRADER_CGROUP_PARENT");
    if (given && *given) {
        if (seq == 0)
            remove_stale(given);
        snprintf(p->cgroup, sizeof p->cgroup, "%.150s/grader-%d-%d", given,
                 (int)getpid(), ++seq);
        if (mkdir(p->cgroup, 0755) == 0) {
            if (write_file(p->cgroup, "pids.max", max) == 0) {
                p->cgroup_v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
                return;
            }
            rmdir(p->cgroup);
        }
    }
    for (int v2 = 0; v2 < 2; v2++) {
        if (!own_cgroup(v2, own, sizeof own) ||
            (v2 && access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0))
            continue;
        if (seq == 0) {
            snprintf(p->cgroup, sizeof p->cgroup, "%s%.120s", mounts[v2], own);
            remove_stale(p->cgroup);
        }
        snprintf(p->cgroup, sizeof p->cgroup, "%s%.120s/grader-%d-%d", mounts[v2],
                 own, (int)getpid(), ++seq);
        if (mkdir(p->cgroup, 0755) != 0)
            continue;
        if (write_file(p->cgroup, "pids.max", max) == 0) {
            p->cgroup_v2 = v2;
            return;
        }
        rmdir(p->cgroup);
    }
    p->cgroup[0] = '\0';
}

/* Tasks (threads included) of every process of the user, for RLIMIT_NPROC,
 * which counts them all. */
static int user_tasks(void)
{
    int n = 0, total = 0;
    struct proc_info *v = all_procs(&n);
    for (int i = 0; i < n; i++) {
        char path[64];
        struct stat st;
        snprintf(path, sizeof path, "/proc/%d", (int)v[i].pid);
        if (stat(path, &st) == 0 && st.st_uid == getuid())
            total += v[i].threads;
    }
    free(v);
    return total;
}

/* In the child, before the call: join the cgroup, or fall back. */
static void join_budget(struct shared *sh, const char *cgroup,
                        const struct gr_limits *lim)
{
    if (lim->grader_code) { /* the grader's own code: no budget (gr_start) */
        atomic_store(&sh->budget_set, 1);
        return;
    }
    char pid[32];
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    if (cgroup[0] && write_file(cgroup, "cgroup.procs", pid) == 0) {
        sh->in_cgroup = 1;
        atomic_store(&sh->budget_set, 1);
        return;
    }
    if (geteuid() != 0) { /* RLIMIT_NPROC binds everyone but root */
        rlim_t n = (rlim_t)(user_tasks() + lim->max_tasks);
        struct rlimit rl = { n, n };
        setrlimit(RLIMIT_NPROC, &rl);
    }
    atomic_store(&sh->budget_set, 1);
}

const char *gr_budget_mechanism(void)
{
    if (budget_used == BUDGET_UNKNOWN) { /* no call yet: try one */
        struct gr_proc probe = { .lim = { .max_tasks = 64 } };
        make_cgroup(&probe);
        budget_used = probe.cgroup[0] ? (probe.cgroup_v2 ? BUDGET_V2 : BUDGET_V1)
                      : geteuid() != 0 ? BUDGET_NPROC : BUDGET_WRAP;
        if (probe.cgroup[0])
            rmdir(probe.cgroup);
    }
    switch (budget_used) {
    case BUDGET_V1: return "cgroup v1 pids (pids.max, pids.peak)";
    case BUDGET_V2: return "cgroup v2 pids (pids.max, pids.peak)";
    case BUDGET_NPROC: return "RLIMIT_NPROC (an unprivileged user)";
    default: return "the fork() wrapper only (root without a pids cgroup)";
    }
}

const char *gr_containment(void)
{
    gr_budget_mechanism();
    return budget_used == BUDGET_V1 || budget_used == BUDGET_V2
               ? "the call's pids cgroup (cgroup.procs), with the test process as child subreaper"
               : "the test process as child subreaper, and a /proc walk of its descendants";
}

/* ---- what the child checks after the call ---------------------------- */

#define MAX_TRACKED_FD 4096

static void open_fds(unsigned char *set)
{
    memset(set, 0, MAX_TRACKED_FD);
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd != dirfd(d) && fd < MAX_TRACKED_FD)
            set[fd] = 1;
    }
    closedir(d);
}

static const char *fd_kind(int fd, char *buf, size_t n)
{
    char path[64], target[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(path, target, sizeof target - 1);
    target[len > 0 ? len : 0] = '\0';
    if (strncmp(target, "pipe:", 5) == 0)
        snprintf(buf, n, "fd %d is a pipe", fd);
    else if (strncmp(target, "socket:", 7) == 0)
        snprintf(buf, n, "fd %d is a socket", fd);
    else if (strncmp(target, "anon_inode:", 11) == 0)
        snprintf(buf, n, "fd %d is an %.60s", fd, target + 11);
    else
        snprintf(buf, n, "fd %d is %.80s", fd, target);
    return buf;
}

static void check_fds(const unsigned char *before, struct gr_run *r)
{
    unsigned char after[MAX_TRACKED_FD];
    char list[300] = "", one[120];
    open_fds(after);
    for (int fd = 0; fd < MAX_TRACKED_FD; fd++) {
        if (!after[fd] || before[fd])
            continue;
        if (r->fds_left++ < 3) {
            fd_kind(fd, one, sizeof one);
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     r->fds_left > 1 ? "; " : "", one);
        }
    }
    if (r->fds_left)
        gr_note_problem(r, "%d file descriptor%s left open (%s%s): close every "
                     "pipe end, socket and file you open",
                     r->fds_left, r->fds_left > 1 ? "s were" : " was", list,
                     r->fds_left > 3 ? "; ..." : "");
}

static void count_child(struct gr_run *r, const struct proc_info *pi)
{
    pi->state == 'Z' ? r->zombies++ : r->running_children++;
}

/* The children of every thread of this process, from
 * /proc/self/task/TID/children (CONFIG_PROC_CHILDREN; a child whose
 * thread exited moves to another thread's list, and a zombie stays on it
 * until it is reaped).  The kernel vouches for the lists only while
 * nothing forks, which holds once the call's threads are joined, as
 * check_threads() demands.  -1 where there is no such file: the whole of
 * /proc is read instead, 1 to 2 ms a call beside a busy make test. */
static int children_from_tasks(struct gr_run *r)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int listed = d ? 0 : -1;
    while (listed >= 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            listed = -1;
            break;
        }
        struct proc_info pi;
        for (int pid; fscanf(f, "%d", &pid) == 1;)
            if (read_stat(pid, &pi))
                count_child(r, &pi);
        fclose(f);
        listed++;
    }
    if (d)
        closedir(d);
    return listed;
}

/* The same from every process in /proc. */
static void walk_children(struct gr_run *r)
{
    int n = 0;
    struct proc_info *v = all_procs(&n);
    pid_t me = getpid();
    for (int i = 0; i < n; i++)
        if (v[i].ppid == me)
            count_child(r, &v[i]);
    free(v);
}

static void report_children(struct gr_run *r)
{
    if (r->zombies)
        gr_note_problem(r, "%d child process%s never waited for (zombie%s): "
                     "call waitpid() once for every child you fork",
                     r->zombies, r->zombies > 1 ? "es were" : " was",
                     r->zombies > 1 ? "s" : "");
    if (r->running_children)
        gr_note_problem(r, "%d child process%s still running after the function "
                     "returned: wait for every child before returning",
                     r->running_children,
                     r->running_children > 1 ? "es were" : " was");
}

/* Children of this process: zombies were never waited for; the others
 * are still running. */
static void check_children(struct gr_run *r)
{
    if (children_from_tasks(r) < 0) {
        r->zombies = r->running_children = 0;
        walk_children(r);
    }
    report_children(r);
}

static void check_threads(struct gr_run *r)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    r->threads_left = n - 1;
    if (r->threads_left > 0)
        gr_note_problem(r, "%d thread%s still running after the function "
                     "returned: pthread_join() every thread you create",
                     r->threads_left, r->threads_left > 1 ? "s were" : " was");
}

/* Set by ASan's hooks when a block is allocated or freed in this
 * process.  A call that neither allocated nor freed one cannot have
 * leaked one it made, and its leak check, which reads 12 MB of the
 * sanitizers' own data in each fresh child, was a third of a short
 * test's time: it is skipped.  The flag is read before it is written, so
 * that learner threads allocating at once, on a hot path of a timed run,
 * do not pass its cache line back and forth as a shared counter would. */
static _Atomic int heap_touched;

#ifdef HAVE_LSAN
static void touch_heap(void)
{
    if (!atomic_load_explicit(&heap_touched, memory_order_relaxed))
        atomic_store_explicit(&heap_touched, 1, memory_order_relaxed);
}

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p, (void)n;
    touch_heap();
}

static void on_free(const volatile void *p)
{
    (void)p;
    touch_heap();
}
#endif

static void watch_heap(void)
{
#ifdef HAVE_LSAN
    static int installed;
    if (!installed)
        installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
#endif
}

static void check_leaks(struct gr_run *r)
{
#ifdef HAVE_LSAN
    fflush(stderr);
    long start = lseek(2, 0, SEEK_CUR); /* the report goes to stderr */
    if (__lsan_do_recoverable_leak_check())
        r->leaked_bytes = gr_leak_report(r, 2, start);
#else
    (void)r;
#endif
}

/* ---- the child -------------------------------------------------------- */

static void set_limits(const struct gr_limits *lim)
{
    struct rlimit cpu = { (rlim_t)lim->cpu_s, (rlim_t)lim->cpu_s + 1 };
    setrlimit(RLIMIT_CPU, &cpu);
#ifndef HAVE_LSAN /* ASan reserves terabytes of address space up front */
    rlim_t as = (rlim_t)lim->mem_mb << 20;
    struct rlimit mem = { as, as };
    setrlimit(RLIMIT_AS, &mem);
#endif
}

/* The start and end of this process's argument and environment strings,
 * fields 48 to 51 of /proc/self/stat: what /proc/self/cmdline and
 * /proc/self/environ show. */
static int invocation_bounds(unsigned long b[4])
{
    char buf[2048];
    int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = '\0';
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 48; field++)
        p = strchr(p + 1, ' ');
    return p && sscanf(p, " %lu %lu %lu %lu", &b[0], &b[1], &b[2], &b[3]) == 4 &&
           b[0] < b[1] && b[2] < b[3];
}

/* Learner code must not tell the timing suite (run with --filter
 * speedup/...) from the others by its argv, /proc/self/cmdline or its
 * environment.  Those strings are this process's own memory: blank them,
 * and keep only the variables a program it starts may need. */
static void hide_invocation(void)
{
    static const char *const keep[] = {
        "PATH=", "HOME=", "LANG=", "LC_ALL=", "TMPDIR=", "TZ=", "USER=",
        "LOGNAME=", "MPIRUN=", "ASAN_OPTIONS=", "UBSAN_OPTIONS=", "LSAN_OPTIONS=",
    };
    enum { NKEEP = sizeof keep / sizeof *keep };
    static char *env[NKEEP + 1];
    int n = 0;
    for (char **e = environ; e && *e && n < NKEEP; e++)
        for (int k = 0; k < NKEEP; k++)
            if (strncmp(*e, keep[k], strlen(keep[k])) == 0) {
                env[n++] = strdup(*e);
                break;
            }
    env[n] = NULL;
    unsigned long b[4];
    if (invocation_bounds(b)) {
        memset((void *)b[0], 0, b[1] - b[0]);
        memset((void *)b[2], 0, b[3] - b[2]);
    }
    environ = env;
}

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* CPU seconds of this process (all its threads) and of its waited-for
 * children, apart: the process exercises need to know which did the work. */
static void own_and_children(double *self, double *children)
{
    struct rusage s, c;
    getrusage(RUSAGE_SELF, &s);
    getrusage(RUSAGE_CHILDREN, &c);
    *self = seconds(s.ru_utime) + seconds(s.ru_stime);
    *children = seconds(c.ru_utime) + seconds(c.ru_stime);
}

static void child(struct shared *sh, gr_fn fn, void *arg, int out_fd,
                  int err_fd, const struct gr_proc *p)
{
    const struct gr_limits *lim = &p->lim;
    join_budget(sh, p->cgroup, lim);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* if the test dies, so do we */
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    close(out_fd);
    close(err_fd);
    set_limits(lim);
    hide_invocation();
    gr_close_runner_fds(); /* channel.c: learner code never holds the runner's line */
    unsigned char fds_before[MAX_TRACKED_FD];
    open_fds(fds_before);
    double self0, children0, self1, children1;
    own_and_children(&self0, &children0);
    active = sh;
    gr_watch = &sh->watch;
    struct cost c0 = cost_start();
    sh->window[0] = now_s();
    atomic_store(&heap_touched, 0);
    fn(arg, sh->out);
    int heap_used = atomic_load(&heap_touched);
    sh->window[1] = now_s();
    struct cost c = cost_since(c0);
    gr_watch = NULL;
    active = NULL;
    own_and_children(&self1, &children1);
    fflush(NULL);
    struct gr_run *r = &sh->run;
    r->wall = c.wall;
    r->user = c.user;
    r->sys = c.sys;
    r->self_cpu = self1 - self0;
    r->children_cpu = children1 - children0;
    if (!lim->allow_children)
        check_children(r);
    if (!lim->allow_threads)
        check_threads(r);
    if (!lim->fds_may_stay)
        check_fds(fds_before, r);
    if (!lim->no_leak_check && !r->threads_left && heap_used)
        check_leaks(r);
    sh->finished = 1;
    _exit(0);
}

/* ---- the parent ------------------------------------------------------- */

static struct gr_limits with_defaults(const struct gr_limits *lim)
{
    struct gr_limits l = lim ? *lim : (struct gr_limits){ 0 };
    if (l.timeout_s <= 0)
        l.timeout_s = 10;
    if (l.max_forks <= 0)
        l.max_forks = 64;
    if (l.cpu_s <= 0)
        l.cpu_s = (int)(2 * l.timeout_s) + 1;
    if (l.mem_mb <= 0)
        l.mem_mb = 2048;
    if (l.max_tasks <= 0) /* room for the thread exercises' workers */
        l.max_tasks = l.max_forks + 1024;
    return l;
}

/* Sandboxes of this test process that are running now (a server and a
 * client call may overlap): the /proc walk leaves their groups alone. */
enum { MAX_LIVE = 32 };
static pid_t live[MAX_LIVE];

static void set_live(pid_t pid, int on)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (on ? live[i] == 0 : live[i] == pid) {
            live[i] = on ? pid : 0;
            return;
        }
}

static int is_live(pid_t pgrp)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (live[i] && live[i] == pgrp)
            return 1;
    return 0;
}

/* While a call runs, $GRADER_STATE_DIR/call.<test pid>.<n> names its
 * test.  If the test process dies during the call (learner code that
 * kills it with a raw syscall, past the refusal in interpose.c), the file
 * stays, and the grader's runner reads it: "the code under test killed
 * the test process".  It is written before the fork: a child that kills
 * at once may run before its parent does. */
static void leave_marker(struct gr_proc *p)
{
    static int calls;
    const char *dir = getenv("GRADER_STATE_DIR");
    if (!dir || !*dir)
        return;
    snprintf(p->marker, sizeof p->marker, "%s/call.%d.%d", dir, (int)getpid(),
             __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED));
    FILE *f = fopen(p->marker, "we");
    if (!f) {
        p->marker[0] = '\0';
        return;
    }
    const struct criterion_test *t = criterion_current_test;
    fprintf(f, "%s/%s\n", t ? t->category : "?", t ? t->name : "?");
    fclose(f);
}

int gr_start(struct gr_proc *p, gr_fn fn, void *arg, size_t out_size,
             const struct gr_limits *lim)
{
    memset(p, 0, sizeof *p);
    p->lim = with_defaults(lim);
    p->out_size = out_size;
    size_t size = sizeof(struct shared) + out_size;
    struct shared *sh = mmap(NULL, size, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return -1;
    sh->cap = p->lim.max_forks;
    sh->watch.test_pid = getpid(); /* what learner code may never signal */
    sh->watch.test_ppid = getppid();
    sh->watch.test_pgid = getpgrp();
    p->shared = sh;
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans come back to us to reap */
    /* Joining a cgroup takes the cgroups' thread-group lock for writing,
     * which can wait out an RCU grace period: 10 to 19 ms of each call here
     * (cgroup v1), where the speedup judge's rounds make three calls of
     * the grader's own code for each of the learner's.  Code that cannot
     * fork past a cap needs none. */
    if (!p->lim.grader_code)
        make_cgroup(p);
    int out_fd = memfd_create("learner-stdout", MFD_CLOEXEC);
    int err_fd = memfd_create("learner-stderr", MFD_CLOEXEC);
    leave_marker(p);
    watch_heap();
    fflush(NULL); /* or the child would repeat our buffered output */
    p->pid = __real_fork();
    if (p->pid == 0)
        child(sh, fn, arg, out_fd, err_fd, p);
    setpgid(p->pid, p->pid); /* also here: no race with the child's own */
    if (p->pid > 0) {
        set_live(p->pid, 1);
        gr_sampler_begin(p->pid, p->cgroup, sh->window); /* if armed */
    } else if (p->marker[0]) {
        unlink(p->marker);
    }
    p->out_fd = out_fd;
    p->err_fd = err_fd;
    p->deadline = now_s() + p->lim.timeout_s;
    return p->pid < 0 ? -1 : 0;
}

/* Resident memory of a process in MB, from /proc (0 if it is gone). */
static long rss_mb(pid_t pid)
{
    char path[64];
    long pages = 0, resident = 0;
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024) / 1024;
}

/* Tasks alive in the sandbox now, threads included: from the cgroup, or
 * (without one) summed over the processes of its group.  pids.peak, where
 * the kernel has it, also sees what lived between two samples. */
static void sample_tasks(struct gr_proc *p)
{
    long n = 0;
    struct shared *sh = p->shared;
    /* A child that has not joined its cgroup yet has made nothing to
     * count, and the /proc walk below, 1 to 2 ms beside a busy make test,
     * was a sample in nearly every call. */
    if (p->cgroup[0] && !atomic_load(&sh->budget_set))
        return;
    if (p->cgroup[0] && sh->in_cgroup) {
        n = read_number(p->cgroup, "pids.current", "");
    } else {
        int count = 0;
        struct proc_info *v = all_procs(&count);
        for (int i = 0; i < count; i++)
            n += v[i].pgrp == p->pid && v[i].state != 'Z' ? v[i].threads : 0;
        free(v);
    }
    if (n > p->peak_sampled)
        p->peak_sampled = (int)n;
}

/* Once a fork() was refused past the cap, the call has failed
 * (gr_classify), and code that retries the refused fork() in a loop would
 * spin there until the deadline, on every core, 5 s or more of a fork
 * bomb's test.  It gets CAP_GRACE_S to give up and return, then it is
 * stopped as at the deadline. */
#define CAP_GRACE_S 1.0

/* Wait for the sandbox child until the deadline.  RLIMIT_AS cannot cap
 * memory under AddressSanitizer (it reserves terabytes up front), so the
 * child's resident memory is watched from here instead. */
static enum gr_stop wait_child(struct gr_proc *p, int *status)
{
    struct shared *sh = p->shared;
    int cap_seen = 0;
    for (int tick = 0;; tick++) {
        pid_t w = waitpid(p->pid, status, WNOHANG);
        if (w == p->pid || (w < 0 && errno != EINTR))
            return GR_STOP_NONE;
        if (!cap_seen && atomic_load(&sh->cap_hit)) {
            cap_seen = 1;
            if (now_s() + CAP_GRACE_S < p->deadline)
                p->deadline = now_s() + CAP_GRACE_S;
        }
        if (now_s() > p->deadline)
            return GR_STOP_TIMEOUT;
        if (tick % 20 == 0 && rss_mb(p->pid) > p->lim.mem_mb)
            return GR_STOP_MEMORY;
        /* (a /proc walk, without a cgroup, costs more) */
        if (!p->lim.grader_code && tick % (p->cgroup[0] ? 20 : 200) == 10)
            sample_tasks(p);
        struct timespec ts = { 0, 500000 }; /* 0.5 ms */
        nanosleep(&ts, NULL);
    }
}

static void kill_group(pid_t pgid)
{
    kill(-pgid, SIGKILL);
    double until = now_s() + 2;
    while (now_s() < until) { /* reap the group, orphans included */
        pid_t w = waitpid(-pgid, NULL, WNOHANG);
        if (w < 0)
            break;
        if (w == 0) {
            struct timespec ts = { 0, 1000000 };
            nanosleep(&ts, NULL);
        }
    }
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* The processes the sweep killed, to be reaped once they are dead. */
enum { MAX_KILLED = 4096 };
static pid_t killed[MAX_KILLED];
static int nkilled;

/* Kill one process left after the call.  It counts as having escaped
 * when it is alive outside the call's process group. */
static int finish_off(const struct proc_info *pi, pid_t pgid)
{
    kill(pi->pid, SIGKILL);
    int seen = 0;
    for (int i = 0; i < nkilled && !seen; i++)
        seen = killed[i] == pi->pid;
    if (!seen && nkilled < MAX_KILLED)
        killed[nkilled++] = pi->pid;
    if (pi->ppid == getpid()) /* a zombie already, perhaps */
        waitpid(pi->pid, NULL, WNOHANG);
    return pi->state != 'Z' && pi->pgrp != pgid;
}

/* Each killed process ends as a zombie of the test process (a child
 * subreaper), at once or when its own dying parent is gone: reap them all,
 * so that none is left in the process table. */
static void reap_killed(void)
{
    double until = now_s() + 2;
    for (int i = 0; i < nkilled; i++) {
        struct proc_info pi;
        while (read_stat(killed[i], &pi) && now_s() < until) {
            if (pi.ppid == getpid() && waitpid(killed[i], NULL, 0) == killed[i])
                break;
            pause_ms(1);
        }
    }
    nkilled = 0;
}

/* After kill_group(): every process still in the call's cgroup left its
 * process group (setsid(), setpgid(), a double fork).  Kill and reap
 * until the cgroup is empty, then remove it.  Returns how many escaped. */
static int sweep_cgroup(struct gr_proc *p)
{
    int escaped = 0;
    char path[300];
    snprintf(path, sizeof path, "%s/cgroup.procs", p->cgroup);
    for (int pass = 0; pass < 2000; pass++) { /* about 2 s at most */
        FILE *f = fopen(path, "re");
        int pid, found = 0;
        while (f && fscanf(f, "%d", &pid) == 1) {
            struct proc_info pi;
            if (!read_stat(pid, &pi))
                continue;
            found++;
            int outside = finish_off(&pi, p->pid);
            escaped = pass == 0 ? escaped + outside : escaped;
        }
        if (f)
            fclose(f);
        if (!found && rmdir(p->cgroup) == 0)
            break;
        pause_ms(1);
    }
    return escaped;
}

/* The same without a cgroup: the test process's descendants that are in
 * no live sandbox's group and not in the test's own group (the tests'
 * helper servers stay there).  A process that joined the test's own group
 * would hide from this walk; the cgroup does not miss it. */
static int sweep_descendants(struct gr_proc *p)
{
    int escaped = 0;
    pid_t me = getpid(); /* once: in the loop below it was n x n system
                          * calls, 16,000 for 126 processes, after every
                          * call of the grader's own code */
    for (int pass = 0; pass < 200; pass++) {
        int n = 0, found = 0;
        struct proc_info *v = all_procs(&n);
        char *mine = calloc(n ? n : 1, 1); /* descendant of this process */
        for (int grew = 1; grew && mine;) {
            grew = 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; !mine[i] && j < n; j++)
                    if (v[i].ppid == me || (mine[j] && v[i].ppid == v[j].pid))
                        mine[i] = grew = 1;
        }
        for (int i = 0; mine && i < n; i++) {
            if (!mine[i] || v[i].pgrp == getpgrp() || is_live(v[i].pgrp))
                continue;
            found++;
            int outside = finish_off(&v[i], p->pid);
            escaped = pass == 0 ? escaped + outside : escaped;
        }
        free(mine);
        free(v);
        if (!found)
            break;
        pause_ms(1);
    }
    return escaped;
}

/* What the interposed calls, the cgroup (read before the sweep removes
 * it: `refused` forks and the `peak`) and the sweep saw, into r. */
static void add_findings(struct gr_run *r, struct gr_proc *p, struct shared *sh,
                         long peak, long refused)
{
    r->threads_created = atomic_load(&sh->watch.threads);
    memcpy(r->thread_cpu, sh->watch.thread_cpu, sizeof r->thread_cpu);
    r->peak_tasks = peak > p->peak_sampled ? (int)peak : p->peak_sampled;
    if (!p->lim.grader_code) /* which budget the learner's calls get */
        budget_used = p->cgroup[0] && sh->in_cgroup ? (p->cgroup_v2 ? BUDGET_V2 : BUDGET_V1)
                      : geteuid() != 0 ? BUDGET_NPROC : BUDGET_WRAP;
    if (refused > 0 && (r->outcome == GR_OK || r->outcome == GR_TIMEOUT)) {
        int stopped = r->outcome == GR_TIMEOUT;
        r->outcome = stopped ? GR_TIMEOUT : GR_CRASH;
        snprintf(r->problem, sizeof r->problem, "tried to have more than %d "
                 "processes and threads alive at once (a fork loop, perhaps "
                 "through syscall() or clone()?): the kernel refused %ld of "
                 "them%s", p->lim.max_tasks, refused,
                 stopped ? " and the code was stopped" : "");
    }
    if (sh->watch.refused[0]) {
        r->outcome = GR_ESCAPED;
        snprintf(r->problem, sizeof r->problem, "the code under test tried "
                 "to kill the test process with %s; the sandbox refused it "
                 "(signal only the processes you started)", sh->watch.refused);
    } else if (r->escaped) {
        r->outcome = GR_ESCAPED;
        snprintf(r->problem, sizeof r->problem, "a process outlived the "
                 "call (it left its process group: a daemon?): %d such "
                 "process%s killed after the call; wait for every process "
                 "you start before returning, and keep them in your group",
                 r->escaped, r->escaped > 1 ? "es were" : " was");
    }
}

struct gr_run gr_finish(struct gr_proc *p, int sig, void *out)
{
    struct shared *sh = p->shared;
    int status = 0;
    if (sig && p->pid > 0)
        kill(p->pid, sig);
    enum gr_stop stopped = p->pid > 0 ? wait_child(p, &status) : GR_STOP_NONE;
    gr_sampler_end(p->pid);
    if (p->pid > 0)
        kill_group(p->pid);
    if (stopped)
        waitpid(p->pid, &status, 0);
    set_live(p->pid, 0);
    int counted = p->cgroup[0] && sh->in_cgroup;
    long peak = counted ? read_number(p->cgroup, "pids.peak", "") : -1;
    long refused = counted ? read_number(p->cgroup, "pids.events", "max ") : 0;
    /* The call's cgroup belongs to the user the code runs as, so the code
     * could raise its own cap; the phase's cap above it (grade.py, root's)
     * still binds, and a cap found changed fails the call. */
    int tampered = counted && (read_number(p->cgroup, "pids.max", "") != p->lim.max_tasks ||
                               peak > p->lim.max_tasks);
    /* The grader's own code (a kernel, a reference) that forked nothing
     * left nothing to find, and the walk of /proc cost 1.6 ms a call
     * beside 72 processes here and 2.5 ms beside 222 (8.5 ms before its
     * getpid() left the loop; docs/data/sweep-cost.dat): three to five
     * such calls in every round of a speedup judge.  Learner code is
     * always swept, as a raw clone() passes the fork counter. */
    int trusted_alone = p->lim.grader_code && atomic_load(&sh->forks) == 0;
    int escaped = p->pid <= 0 || trusted_alone ? 0
                  : p->cgroup[0] && sh->in_cgroup ? sweep_cgroup(p) : sweep_descendants(p);
    reap_killed();
    if (p->cgroup[0] && !sh->in_cgroup)
        rmdir(p->cgroup);
    if (p->marker[0])
        unlink(p->marker);
    struct gr_run r = sh->run;
    r.forks = atomic_load(&sh->forks); /* attempts: count the granted ones */
    r.forks = r.forks < p->lim.max_forks ? r.forks : p->lim.max_forks;
    gr_read_capture(p->out_fd, r.stdout_text, sizeof r.stdout_text, 0);
    gr_read_capture(p->err_fd, r.output, sizeof r.output, 1);
    gr_classify(&r, &p->lim, stopped, status, sh->finished,
             atomic_load(&sh->cap_hit));
    r.escaped = escaped;
    add_findings(&r, p, sh, peak, refused);
    if (tampered) {
        r.outcome = GR_ESCAPED;
        snprintf(r.problem, sizeof r.problem, "the code under test changed its "
                 "own task cap (pids.max in its cgroup, set to %d by the sandbox); "
                 "the sandbox's limits are not the code's to change",
                 p->lim.max_tasks);
    }
    if (out && p->out_size)
        memcpy(out, sh->out, p->out_size);
    close(p->out_fd);
    close(p->err_fd);
    munmap(sh, sizeof(struct shared) + p->out_size);
    p->pid = 0;
    return r;
}

struct gr_run gr_run_fn(gr_fn fn, void *arg, void *out, size_t out_size,
                        const struct gr_limits *lim)
{
    struct gr_proc p;
    if (gr_start(&p, fn, arg, out_size, lim) != 0) {
        struct gr_run r = { .outcome = GR_CRASH };
        snprintf(r.problem, sizeof r.problem,
                 "the grader could not start a sandbox: %s", strerror(errno));
        return r;
    }
    return gr_finish(&p, 0, out);
}
