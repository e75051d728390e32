/* report.c: every problem becomes one sentence a learner can act on. */
#define _GNU_SOURCE
#include "report.h"

#include "todo.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void gr_note_problem(struct gr_run *r, const char *fmt, ...)
{
    if (r->problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
}

void gr_read_capture(int fd, char *buf, size_t n, int tail)
{
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = tail && size > (off_t)n - 1 ? size - (off_t)n + 1 : 0;
    ssize_t got = pread(fd, buf, n - 1, from);
    buf[got > 0 ? got : 0] = '\0';
}

static const char *const roots[] = { "exercises/", "solutions/", "tests/" };

/* A sanitizer frame looks like "    #1 0x55d0 in worker exercises/x.c:31".
 * The learner's own code lives under exercises/ or solutions/. */
static int named_frame(const char *report, char *buf, size_t n)
{
    for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
        for (const char *p = report; (p = strstr(p, " in ")); p += 4) {
            const char *eol = strchr(p, '\n');
            size_t len = eol ? (size_t)(eol - p) : strlen(p);
            char line[512], func[200], where[300];
            snprintf(line, sizeof line, "%.*s", (int)len, p);
            if (!strstr(line, roots[i]) ||
                sscanf(line, " in %199s %299s", func, where) != 2)
                continue;
            const char *rel = strstr(where, roots[i]);
            snprintf(buf, n, "%s() at %s", func, rel);
            return 1;
        }
    }
    return 0;
}

/* Frames the sanitizer left unsymbolized (symbolize=0, as MPI ranks run:
 * grader/mpi/harness.c) read "    #1 0x55d0  (/path/prog+0x1a2b)".  Those
 * in a program built here are named by addr2line from its debug
 * information, as " in FUNC FILE:LINE" lines for named_frame(). */
static int unsymbolized_frame(const char *report, char *buf, size_t n)
{
    char named[4096] = "";
    size_t used = 0;
    for (const char *p = report; (p = strstr(p, "  (/")) && used < sizeof named - 512; p += 4) {
        char module[400], cmd[700], func[200], where[300];
        unsigned long offset;
        if (sscanf(p, "  (%399[^+)]+0x%lx)", module, &offset) != 2 ||
            !strncmp(module, "/lib", 4) || !strncmp(module, "/usr/", 5) ||
            strchr(module, '\'') ||
            snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%lx 2>/dev/null", module,
                     offset) >= (int)sizeof cmd)
            continue;
        FILE *f = popen(cmd, "r");
        if (!f)
            continue;
        if (fscanf(f, "%199s %299s", func, where) == 2)
            used += (size_t)snprintf(named + used, sizeof named - used, " in %s %s\n", func, where);
        pclose(f);
    }
    return named_frame(named, buf, n);
}

int gr_learner_frame(const char *report, char *buf, size_t n)
{
    return named_frame(report, buf, n) || unsymbolized_frame(report, buf, n);
}

long gr_leak_report(struct gr_run *r, int fd, long start)
{
    static char text[65536];
    ssize_t got = pread(fd, text, sizeof text - 1, start);
    text[got > 0 ? got : 0] = '\0';
    long bytes = 0;
    int allocs = 0;
    const char *sum = strstr(text, "SUMMARY: AddressSanitizer: ");
    if (!sum || sscanf(sum, "SUMMARY: AddressSanitizer: %ld byte(s) leaked in %d",
                       &bytes, &allocs) != 2)
        return 0; /* LeakSanitizer could not run here: nothing to report */
    char where[400] = "a library call";
    gr_learner_frame(text, where, sizeof where);
    gr_note_problem(r, "%ld byte%s of memory leaked in %d allocation%s "
                 "(LeakSanitizer); the first was allocated in %s: free what "
                 "you allocate",
                 bytes, bytes == 1 ? "" : "s", allocs, allocs == 1 ? "" : "s",
                 where);
    return bytes;
}

static const char *signal_hint(int sig)
{
    switch (sig) {
    case SIGSEGV: return "a segmentation fault: a bad pointer or a stack overflow?";
    case SIGBUS:  return "a bus error: a bad pointer or a truncated mapping?";
    case SIGABRT: return "abort() was called: a failed assert()?";
    case SIGFPE:  return "an arithmetic error: a division by zero?";
    case SIGPIPE: return "a write to a pipe or socket nobody reads";
    case SIGXCPU: return "its CPU-time limit ran out: an endless loop?";
    case SIGKILL: return "killed: out of memory?";
    default:      return "an unexpected signal";
    }
}

int gr_todo_sentence(const char *output, char *buf, size_t n)
{
    const char *m = strstr(output, TODO_PREFIX);
    if (!m)
        return 0;
    char file[200] = "?", func[120] = "?";
    sscanf(m, TODO_PREFIX "%199[^:]: %119[^(]", file, func);
    snprintf(buf, n, "not started: %s() in %s still calls TODO()", func, file);
    return 1;
}

static int not_started(struct gr_run *r)
{
    return gr_todo_sentence(r->output, r->problem, sizeof r->problem);
}

static int sanitizer_error(struct gr_run *r)
{
    char where[400] = "";
    gr_learner_frame(r->output, where, sizeof where);
    const char *asan = strstr(r->output, "ERROR: AddressSanitizer: ");
    const char *ub = strstr(r->output, "runtime error: ");
    if (asan) {
        char kind[100] = "memory error";
        sscanf(asan, "ERROR: AddressSanitizer: %99s", kind);
        snprintf(r->problem, sizeof r->problem,
                 "crashed: AddressSanitizer found a %s%s%s", kind,
                 where[0] ? " in " : "", where);
        return 1;
    }
    if (ub) { /* "exercises/x.c:12:5: runtime error: signed integer overflow" */
        const char *bol = ub;
        while (bol > r->output && bol[-1] != '\n')
            bol--;
        char loc[300] = "";
        sscanf(bol, "%299[^ ]", loc);
        char *col = strrchr(loc, ':'); /* drop ":5:" (the column) */
        if (col && col > loc && (*col = '\0', (col = strrchr(loc, ':'))))
            *col = '\0';
        const char *eol = strchr(ub, '\n');
        int len = eol ? (int)(eol - ub) - 15 : 120;
        snprintf(r->problem, sizeof r->problem,
                 "undefined behaviour at %s: %.*s", loc, len > 0 ? len : 0,
                 ub + 15);
        return 1;
    }
    return 0;
}

void gr_classify(struct gr_run *r, const struct gr_limits *lim, enum gr_stop stopped,
              int status, int finished, int cap_hit)
{
    char checks[sizeof r->problem];
    snprintf(checks, sizeof checks, "%s", r->problem);
    r->problem[0] = '\0';
    r->outcome = GR_OK;
    int timed_out = stopped == GR_STOP_TIMEOUT;
    if (stopped == GR_STOP_MEMORY) {
        r->outcome = GR_CRASH;
        snprintf(r->problem, sizeof r->problem,
                 "used more than %ld MB of memory and was stopped: memory "
                 "allocated in a loop and never freed, or a queue that "
                 "grows without bound?",
                 lim->mem_mb);
    } else if (cap_hit) {
        r->outcome = timed_out ? GR_TIMEOUT : GR_CRASH;
        snprintf(r->problem, sizeof r->problem,
                 "tried to create more than %d processes (a fork loop?): "
                 "fork() was refused from then on%s",
                 lim->max_forks, timed_out ? " and the code was stopped" : "");
    } else if (timed_out) {
        r->outcome = GR_TIMEOUT;
        snprintf(r->problem, sizeof r->problem,
                 "did not finish within %g s and was stopped: look for a "
                 "deadlock, a lost wake-up, a read() that waits for a pipe "
                 "end nobody closed, or an endless loop",
                 lim->timeout_s);
    } else if (WIFSIGNALED(status)) {
        r->outcome = GR_CRASH;
        r->sig = WTERMSIG(status);
        if (!sanitizer_error(r))
            snprintf(r->problem, sizeof r->problem, "crashed with SIG%s (%s)",
                     sigabbrev_np(r->sig) ? sigabbrev_np(r->sig) : "?",
                     signal_hint(r->sig));
    } else if (WIFEXITED(status) && !(WEXITSTATUS(status) == 0 && finished)) {
        r->exit_code = WEXITSTATUS(status);
        r->outcome = GR_EXITED;
        if (r->exit_code == TODO_EXIT_CODE && not_started(r))
            r->outcome = GR_NOT_STARTED;
        else if (sanitizer_error(r))
            r->outcome = GR_CRASH;
        else
            snprintf(r->problem, sizeof r->problem,
                     "the process ended with exit(%d) instead of returning "
                     "from the function",
                     r->exit_code);
    } else {
        snprintf(r->problem, sizeof r->problem, "%s", checks);
    }
}
