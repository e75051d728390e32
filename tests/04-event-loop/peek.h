/* peek.h: look at a running sandbox child from the test, through /proc.
 * (Helpers for chapter 4's tests only.)  The child is the learner's
 * server or client; these read what it holds open and what it costs
 * while it runs, which the sandbox's after-the-call checks cannot see. */
#ifndef PEEK_H
#define PEEK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* Sockets open in process pid right now, or -1. */
static inline int peek_sockets(pid_t pid)
{
    char dir[64], path[600], target[128];
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0 && strncmp(target, "socket:", 7) == 0)
            n++;
    }
    closedir(d);
    return n;
}

/* Threads of process pid right now, or -1. */
static inline int peek_threads(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* CPU seconds (user + system, all threads) process pid has used, or -1. */
static inline double peek_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* fields 14 and 15, after the name */
    unsigned long utime, stime;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                     &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Text the learner's code produced, made safe for a test message:
 * Criterion writes messages into its JSON report without escaping, so
 * quotes and backslashes (and control characters) become '?', and a
 * newline is shown as '|'. */
static inline const char *peek_printable(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++)
        out[k++] = s[i] == '\n' ? '|'
                   : (s[i] < 32 || s[i] > 126 || s[i] == '"' || s[i] == '\\') ? '?' : s[i];
    out[k] = '\0';
    return out;
}

static inline void peek_sleep_ms(double ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6) };
    nanosleep(&ts, NULL);
}

#endif
