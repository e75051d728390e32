/* sandbox.c: run learner code in a contained child and say what it left.
 *
 * The child gets its own process group (so one kill reaches every process
 * it forks), rlimits, a shared fork counter (RLIMIT_NPROC does nothing for
 * root, and CI runs as root) and memfds for stdout and stderr.  After the
 * call it inspects itself through /proc and LeakSanitizer, and writes its
 * findings into memory shared with the parent. */
#define _GNU_SOURCE
#include "grader.h"
#include "report.h"

#include "timing.h"
#include "todo.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
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

/* ---- the fork cap ---------------------------------------------------- */

struct shared {
    _Atomic int forks;
    _Atomic int cap_hit;
    int cap;
    int finished; /* the child got back from the call and checked itself */
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

/* Children of this process, found through /proc: zombies were never
 * waited for; the others are still running. */
static void check_children(struct gr_run *r)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *rp = strrchr(buf, ')'); /* the command name may hold spaces */
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self)
            state == 'Z' ? r->zombies++ : r->running_children++;
    }
    closedir(d);
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

static void child(struct shared *sh, gr_fn fn, void *arg, int out_fd,
                  int err_fd, const struct gr_limits *lim)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* if the test dies, so do we */
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    close(out_fd);
    close(err_fd);
    set_limits(lim);
    unsigned char fds_before[MAX_TRACKED_FD];
    open_fds(fds_before);
    active = sh;
    struct cost c0 = cost_start();
    fn(arg, sh->out);
    struct cost c = cost_since(c0);
    active = NULL;
    fflush(NULL);
    struct gr_run *r = &sh->run;
    r->wall = c.wall;
    r->user = c.user;
    r->sys = c.sys;
    if (!lim->allow_children)
        check_children(r);
    if (!lim->allow_threads)
        check_threads(r);
    if (!lim->fds_may_stay)
        check_fds(fds_before, r);
    if (!lim->no_leak_check && !r->threads_left)
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
    return l;
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
    p->shared = sh;
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* orphans come back to us to reap */
    int out_fd = memfd_create("learner-stdout", MFD_CLOEXEC);
    int err_fd = memfd_create("learner-stderr", MFD_CLOEXEC);
    fflush(NULL); /* or the child would repeat our buffered output */
    p->pid = __real_fork();
    if (p->pid == 0)
        child(sh, fn, arg, out_fd, err_fd, &p->lim);
    setpgid(p->pid, p->pid); /* also here: no race with the child's own */
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

/* Wait for the sandbox child until the deadline.  RLIMIT_AS cannot cap
 * memory under AddressSanitizer (it reserves terabytes up front), so the
 * child's resident memory is watched from here instead. */
static enum gr_stop wait_child(struct gr_proc *p, int *status)
{
    for (int tick = 0;; tick++) {
        pid_t w = waitpid(p->pid, status, WNOHANG);
        if (w == p->pid || (w < 0 && errno != EINTR))
            return GR_STOP_NONE;
        if (now_s() > p->deadline)
            return GR_STOP_TIMEOUT;
        if (tick % 20 == 0 && rss_mb(p->pid) > p->lim.mem_mb)
            return GR_STOP_MEMORY;
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

struct gr_run gr_finish(struct gr_proc *p, int sig, void *out)
{
    struct shared *sh = p->shared;
    int status = 0;
    if (sig && p->pid > 0)
        kill(p->pid, sig);
    enum gr_stop stopped = p->pid > 0 ? wait_child(p, &status) : GR_STOP_NONE;
    if (p->pid > 0)
        kill_group(p->pid);
    if (stopped)
        waitpid(p->pid, &status, 0);
    struct gr_run r = sh->run;
    r.forks = atomic_load(&sh->forks); /* attempts: count the granted ones */
    r.forks = r.forks < p->lim.max_forks ? r.forks : p->lim.max_forks;
    gr_read_capture(p->out_fd, r.stdout_text, sizeof r.stdout_text, 0);
    gr_read_capture(p->err_fd, r.output, sizeof r.output, 1);
    gr_classify(&r, &p->lim, stopped, status, sh->finished,
             atomic_load(&sh->cap_hit));
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
