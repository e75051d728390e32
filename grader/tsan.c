/* tsan.c: run an exercise's ThreadSanitizer driver and report its first
 * race as a sentence.
 *
 * Criterion 2.4 and TSan cannot live in one binary (start-up fails with
 * "Could not initialize inheritable arena"), so the build makes a second,
 * plain program from tests/NN-slug/NAME.tsan.c and the learner's code,
 * compiled with -fsanitize=thread, and names it after the test binary. */
#define _GNU_SOURCE
#include "grader.h"
#include "report.h"

#include "timing.h"
#include "todo.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The frame to blame: the first one in learner code, else the innermost.
 * TSan frames look like "    #0 worker exercises/03-threads/x.c:31 (...)". */
static void blame(const char *frames, const char *end, char *buf, size_t n)
{
    char func[200] = "?", where[300] = "?";
    for (const char *p = strstr(frames, "#0 "); p && (!end || p < end);
         p = strstr(p + 1, "    #")) {
        char f[200], w[300];
        if (sscanf(p + strspn(p, " "), "#%*d %199s %299s", f, w) != 2)
            continue;
        int mine = strstr(w, "exercises/") || strstr(w, "solutions/") ||
                   strstr(w, "tests/");
        if (mine || strcmp(func, "?") == 0) {
            snprintf(func, sizeof func, "%s", f);
            snprintf(where, sizeof where, "%s", w);
        }
        if (mine)
            break;
    }
    const char *rel = strstr(where, "exercises/");
    rel = rel ? rel : strstr(where, "solutions/");
    rel = rel ? rel : strstr(where, "tests/");
    snprintf(buf, n, "%s() at %s", func, rel ? rel : where);
}

/* "  Previous write of size 8 at 0x.. by thread T2:" -> "a write" */
static void access_kind(const char *line, char *buf, size_t n)
{
    char w1[32] = "", w2[32] = "";
    sscanf(line, " %31s %31s", w1, w2);
    const char *op = strcmp(w1, "Previous") == 0 ? w2 : w1;
    if (strcmp(op, "Atomic") == 0)
        snprintf(buf, n, "an atomic access");
    else
        snprintf(buf, n, "a %c%s", op[0] | 0x20, op + 1);
}

static void describe(const char *at, char *buf, size_t n)
{
    char kind[48], where[520];
    access_kind(at, kind, sizeof kind);
    blame(at, strstr(at, "\n\n"), where, sizeof where);
    snprintf(buf, n, "%s in %s", kind, where);
}

static enum gr_verdict verdict(char *msg, size_t n, enum gr_verdict v,
                               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return v;
}

static enum gr_verdict race_verdict(const char *out, const char *cmd,
                                    char *msg, size_t n)
{
    const char *w = strstr(out, "WARNING: ThreadSanitizer: ") + 26;
    if (strncmp(w, "data race", 9) != 0) {
        char kind[120] = "problem";
        sscanf(w, "%119[^\n(]", kind);
        return verdict(msg, n, GR_FAIL, "ThreadSanitizer reported a %s. "
                       "Full report: %s", kind, cmd);
    }
    const char *first = strchr(w, '\n');
    const char *second = first ? strstr(first, "  Previous ") : NULL;
    char a[600] = "an access", b[600] = "another thread's access";
    if (first)
        describe(first + 1, a, sizeof a);
    if (second)
        describe(second, b, sizeof b);
    return verdict(msg, n, GR_FAIL,
                   "data race (ThreadSanitizer): %s races with %s. Two "
                   "threads touch the same memory, at least one writes, and "
                   "nothing orders them: use a mutex, an atomic, or a copy "
                   "per thread. Full report: %s",
                   a, b, cmd);
}

/* Run `cmd` in its own process group with output captured; 1 on timeout. */
static int run_driver(const char *cmd, double timeout_s, int out_fd, int *status)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        dup2(out_fd, 1);
        dup2(out_fd, 2);
        setenv("TSAN_OPTIONS", "halt_on_error=1 exitcode=66 "
               "second_deadlock_stack=1", 1);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    while (waitpid(pid, status, WNOHANG) == 0) {
        if (now_s() > deadline) {
            timed_out = 1;
            kill(-pid, SIGKILL);
            waitpid(pid, status, 0);
            break;
        }
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL); /* whatever the driver left behind */
    return timed_out;
}

static const char *last_line(const char *text, int *len)
{
    const char *end = text + strlen(text);
    while (end > text && end[-1] == '\n')
        end--;
    const char *start = end;
    while (start > text && start[-1] != '\n')
        start--;
    *len = (int)(end - start);
    return start;
}

enum gr_verdict gr_judge_race(const char *args, double timeout_s, char *msg,
                              size_t n)
{
    char driver[4096], cmd[8192];
    ssize_t len = readlink("/proc/self/exe", driver, sizeof driver - 6);
    if (len < 0)
        return verdict(msg, n, GR_FAIL, "the grader cannot find its own binary");
    strcpy(driver + len, ".tsan");
    if (access(driver, X_OK) != 0)
        return verdict(msg, n, GR_FAIL, "the race-check driver %s is missing: "
                       "build it with `make %s`", driver, driver);
    char cwd[4096];
    const char *shown = driver; /* relative to here, to paste into a shell */
    if (getcwd(cwd, sizeof cwd) && strncmp(driver, cwd, strlen(cwd)) == 0 &&
        driver[strlen(cwd)] == '/')
        shown = driver + strlen(cwd) + 1;
    snprintf(cmd, sizeof cmd, "%s%s%s", shown, args && *args ? " " : "",
             args ? args : "");
    int fd = memfd_create("tsan", MFD_CLOEXEC), status = 0;
    timeout_s = timeout_s > 0 ? timeout_s : 30;
    int timed_out = run_driver(cmd, timeout_s, fd, &status);
    static char out[65536];
    gr_read_capture(fd, out, sizeof out, 0);
    close(fd);
    struct gr_run r = { 0 };
    memcpy(r.output, out, sizeof r.output - 1); /* gr_classify() reads it */
    if (strstr(out, "WARNING: ThreadSanitizer: "))
        return race_verdict(out, cmd, msg, n);
    if (timed_out)
        return verdict(msg, n, GR_FAIL, "the race check (%s) did not finish "
                       "within %g s: a deadlock?", cmd, timeout_s);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return verdict(msg, n, GR_PASS, "no data race found");
    int ll;
    const char *line = last_line(out, &ll);
    if (WIFEXITED(status) && WEXITSTATUS(status) != TODO_EXIT_CODE &&
        !strstr(out, "Sanitizer"))  /* the driver's own check failed */
        return verdict(msg, n, GR_FAIL, "the race check (%s) found no race, "
                       "but its program stopped with exit status %d%s%.*s",
                       cmd, WEXITSTATUS(status), ll ? ": " : "", ll, line);
    struct gr_limits lim = { .timeout_s = timeout_s };
    gr_classify(&r, &lim, GR_STOP_NONE, status, 0, 0); /* TODO, crash or exit code */
    return verdict(msg, n, GR_FAIL, "the race check (%s) failed: %s%s%.*s",
                   cmd, r.problem, ll ? "; it printed: " : "", ll, line);
}
