/* syscount.h: count the system calls another process makes, with perf.
 *
 * The benches of the io_uring chapter report system calls per file and
 * per request, because saving them is what io_uring is for.  Linux keeps
 * no per-process count of system calls, so this runs
 *     perf stat -e raw_syscalls:sys_enter -x, -p PID
 * beside the measured process (Debian's linux-perf; the tracepoint needs
 * root, or kernel.perf_event_paranoid at -1).  perf counts every thread
 * of the process, and costs a little per system call, the same for every
 * variant.  Where perf cannot count, the count is -1 and the data says so.
 * Header-only: the benches are single files. */
#ifndef SYSCOUNT_H
#define SYSCOUNT_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct syscount {
    pid_t perf;
    char out[64];
};

/* Start counting pid's system calls.  perf needs a moment to attach, so
 * this waits 300 ms: start it before the work begins. */
static inline void syscount_start(struct syscount *s, pid_t pid)
{
    snprintf(s->out, sizeof s->out, "/tmp/syscount-%d-%d.csv", (int)getpid(), (int)pid);
    fflush(NULL);
    s->perf = fork();
    if (s->perf == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", (int)pid);
        (void)!freopen("/dev/null", "w", stderr);
        execlp("perf", "perf", "stat", "-e", "raw_syscalls:sys_enter", "-x,", "-o", s->out,
               "-p", p, (char *)NULL);
        _exit(127);
    }
    usleep(300000);
}

/* Stop counting: the system calls made since the start, or -1. */
static inline long syscount_stop(struct syscount *s)
{
    if (s->perf <= 0)
        return -1;
    kill(s->perf, SIGINT);
    int status;
    waitpid(s->perf, &status, 0);
    FILE *f = fopen(s->out, "r");
    long n = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "raw_syscalls:sys_enter") && line[0] >= '0' && line[0] <= '9')
            n = atol(line);
    if (f)
        fclose(f);
    unlink(s->out);
    return n;
}

#endif
