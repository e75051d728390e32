/* settle.c: wait until chosen threads of this process sleep in the kernel.
 *
 * A test of "a post wakes a sleeper" must know that its sleepers sleep
 * before it posts: a fixed pause is too short on a loaded machine (the
 * test then proves nothing, and a bug slips through) and wastes time on
 * an idle one.  Linux shows each thread's state in the third field of
 * /proc/self/task/TID/stat; a thread blocked in a futex (a condition
 * variable or a mutex) or in nanosleep() shows 'S'. */
#include "grader.h"
#include "timing.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int gr_tid(void)
{
    return (int)syscall(SYS_gettid); /* glibc's gettid() needs _GNU_SOURCE */
}

static int asleep(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    FILE *f = tid > 0 ? fopen(path, "r") : NULL;
    size_t len = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[len] = '\0';
    char *rp = strrchr(buf, ')'); /* the name in (...) may hold spaces */
    return rp && rp[1] == ' ' && rp[2] == 'S';
}

/* How many threads of this process, the caller aside, sleep now. */
static int others_asleep(void)
{
    int n = 0, self = gr_tid(), tid;
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (sscanf(e->d_name, "%d", &tid) == 1 && tid != self)
            n += asleep(tid);
    if (d)
        closedir(d);
    return n;
}

/* How many of tids[0..n) sleep now. */
static int these_asleep(_Atomic int *tids, int n)
{
    int seen = 0;
    for (int i = 0; i < n; i++)
        seen += asleep(tids[i]);
    return seen;
}

int gr_settle_unless_busy(_Atomic int *tids, int n, int ms, double cpu_s)
{
    struct timespec tick = { 0, 2000000 }; /* 2 ms */
    int seen = 0;
    struct cost c0 = cost_start();
    for (int waited = 0; waited <= ms; waited += 2) {
        seen = tids ? these_asleep(tids, n) : others_asleep();
        struct cost c = cost_since(c0); /* CPU, this process's and reaped children's */
        if (seen >= n || (cpu_s > 0 && c.user + c.sys > cpu_s))
            break;
        nanosleep(&tick, NULL);
    }
    return seen;
}

int gr_settle(_Atomic int *tids, int n, int ms)
{
    return gr_settle_unless_busy(tids, n, ms, 0);
}
