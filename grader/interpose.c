/* interpose.c: the libc calls that the sandbox watches from inside.
 *
 * The test program is linked statically against this file, so learner
 * code (and lib/) that calls pthread_create(), kill(), killpg() or
 * sigqueue() reaches these definitions first.  Outside a sandboxed call
 * (gr_watch == NULL) each one passes straight through.  Inside it:
 *   - every thread created is counted, and its CPU time is recorded when
 *     it ends, so that a test can ask "did the call create exactly
 *     nthreads threads, and did each do its share?";
 *   - a signal aimed at the test process, its parent, its process group
 *     or every process (pid -1) is refused and recorded, so that the test
 *     reports what the code did instead of dying of it.
 * A raw syscall() bypasses all of this; the pids cgroup and the
 * $GRADER_STATE_DIR marker in sandbox.c are the defences behind it.
 * This file needs neither Criterion nor the fork wrapper, so the MPI
 * drivers may pull it in too. */
#define _GNU_SOURCE
#include "interpose.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct gr_watch *gr_watch;

/* ---- threads ---------------------------------------------------------- */

struct start {
    void *(*fn)(void *);
    void *arg;
    int index;
};

static void record_cpu(void *arg)
{
    int index = (int)(long)arg;
    struct timespec ts;
    if (gr_watch && index < GR_THREADS_SEEN &&
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        gr_watch->thread_cpu[index] = (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The thread's CPU time is read as it ends, by return or by
 * pthread_exit() (which runs cleanup handlers). */
static void *trampoline(void *arg)
{
    struct start s = *(struct start *)arg;
    free(arg);
    void *ret;
    pthread_cleanup_push(record_cpu, (void *)(long)s.index);
    ret = s.fn(s.arg);
    pthread_cleanup_pop(1);
    return ret;
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *,
                         void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
                   void *(*fn)(void *), void *arg)
{
    static create_fn real;
    if (!real) /* the sanitizer's interceptor, or libc's */
        real = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    struct start *s = gr_watch ? malloc(sizeof *s) : NULL;
    if (!s)
        return real(t, attr, fn, arg);
    *s = (struct start){ fn, arg, atomic_fetch_add(&gr_watch->threads, 1) };
    int rc = real(t, attr, trampoline, s);
    if (rc != 0) {
        atomic_fetch_sub(&gr_watch->threads, 1);
        free(s);
    }
    return rc;
}

/* ---- signals ---------------------------------------------------------- */

/* Would a signal sent to `pid` reach the grader rather than the code's
 * own processes? */
static int hits_grader(pid_t pid)
{
    const struct gr_watch *w = gr_watch;
    if (pid == -1 || pid == w->test_pid || pid == w->test_ppid)
        return 1;
    if (pid < -1 && (-pid == w->test_pgid || -pid == w->test_ppid))
        return 1;
    return pid == 0 && getpgrp() == w->test_pgid;
}

static int refuse(const char *call, pid_t pid, int sig)
{
    const char *name = sigabbrev_np(sig);
    if (!gr_watch->refused[0])
        snprintf(gr_watch->refused, sizeof gr_watch->refused, "%s(%d, SIG%s)",
                 call, (int)pid, name ? name : "?");
    errno = EPERM;
    return -1;
}

int kill(pid_t pid, int sig)
{
    if (gr_watch && sig != 0 && hits_grader(pid))
        return refuse("kill", pid, sig);
    return (int)syscall(SYS_kill, pid, sig);
}

int killpg(pid_t pgrp, int sig)
{
    if (pgrp < 0) { /* as glibc does */
        errno = EINVAL;
        return -1;
    }
    if (gr_watch && sig != 0 && (pgrp == 0 ? getpgrp() : pgrp) == gr_watch->test_pgid)
        return refuse("killpg", pgrp, sig);
    return (int)syscall(SYS_kill, -pgrp, sig);
}

int sigqueue(pid_t pid, int sig, const union sigval value)
{
    if (gr_watch && sig != 0 && hits_grader(pid))
        return refuse("sigqueue", pid, sig);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    info.si_signo = sig;
    info.si_code = SI_QUEUE;
    info.si_pid = getpid();
    info.si_uid = getuid();
    info.si_value = value;
    return (int)syscall(SYS_rt_sigqueueinfo, pid, sig, &info);
}
