/* gr_mpirun() must turn every way an MPI job can go wrong into a
 * sentence, and must never hang: a deadlock is stopped once every rank
 * has waited 2 s (or at its timeout, where a rank polls), reported as a
 * deadlock with each rank's blocking call, and leaves no
 * process behind.  The job is grader/mpi/selftest.c. */
#define _GNU_SOURCE
#include "grader.h"
#include "mpijob.h"
#include "report.h"

#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *selftest(void)
{
    static char self[4096], prog[4200];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    snprintf(prog, sizeof prog, "%s/mpi-selftest", dirname(self));
    return prog;
}

static struct gr_mpi_run job(int ranks, const char *mode, double timeout_s)
{
    return gr_mpirun_prog(selftest(), ranks, mode, timeout_s);
}

/* Processes still running the self-test program in this mode (tests
 * run in parallel: other modes may be running). */
static int survivors(const char *mode)
{
    int n = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], cmd[512] = "", state = 'Z', stat[512] = "";
        snprintf(path, sizeof path, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t len = fread(cmd, 1, sizeof cmd - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++) /* arguments are NUL-separated */
            cmd[i] = cmd[i] ? cmd[i] : ' ';
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        if ((f = fopen(path, "r"))) {
            if (fgets(stat, sizeof stat, f) && strrchr(stat, ')'))
                sscanf(strrchr(stat, ')') + 1, " %c", &state);
            fclose(f);
        }
        char want[64];
        snprintf(want, sizeof want, "mpi-selftest %s", mode);
        n += strstr(cmd, want) != NULL && state != 'Z';
    }
    if (d)
        closedir(d);
    return n;
}

Test(mpijob, clean_run)
{
    struct gr_mpi_run r = job(2, "ok", 10);
    cr_assert_str_empty(r.problem, "%s", r.problem);
    cr_assert(strstr(r.out, "ok ok 2"), "rank 0 should print its line: %s", r.out);
}

Test(mpijob, deadlock_is_named_within_the_timeout)
{
    struct gr_mpi_run r = job(2, "deadlock", 3);
    cr_assert_eq(r.outcome, GR_TIMEOUT);
    cr_assert(r.deadlock, "not called a deadlock: %s", r.problem);
    cr_assert(r.wall < 3 + 2.5, "took %.1f s to stop a job with a 3 s timeout", r.wall);
    cr_assert(strstr(r.problem, "rank 0 (in deadlock) was blocked in "
                     "MPI_Recv(from rank 1, tag 7)"), "%s", r.problem);
    cr_assert(strstr(r.problem, "rank 1 (in deadlock) was blocked in "
                     "MPI_Recv(from rank 0, tag 7)"), "%s", r.problem);
    cr_assert(strstr(r.problem, "to rank 0 with tag 8"), "%s", r.problem);
    cr_assert_eq(survivors("deadlock"), 0, "ranks survived the kill");
}

/* Every rank blocked for 1 s is a deadlock already: the job is stopped
 * then, not at its limit (grader/mpijob.c, looks_stuck). */
Test(mpijob, deadlock_is_named_before_the_limit)
{
    struct gr_mpi_run r = job(2, "early-deadlock", 30);
    cr_assert(r.deadlock, "not called a deadlock: %s", r.problem);
    cr_assert(r.wall < 10, "took %.1f s to stop a deadlocked job (limit 30 s): "
              "every rank was blocked from the start, so 1 s and a look "
              "0.3 s later should tell", r.wall);
    cr_assert(strstr(r.problem, "every rank had been waiting for another for 1 s"),
              "%s", r.problem);
    cr_assert_eq(survivors("early-deadlock"), 0, "ranks survived the kill");
}

/* 2 s: past the 1 s after which blocked ranks would be a deadlock. */
Test(mpijob, endless_loop_is_not_a_deadlock)
{
    struct gr_mpi_run r = job(2, "spin", 2);
    cr_assert_eq(r.outcome, GR_TIMEOUT);
    cr_assert(!r.deadlock, "called a deadlock: %s", r.problem);
    cr_assert(strstr(r.problem, "rank 0 (in spin) was running its own code"),
              "%s", r.problem);
    cr_assert_eq(survivors("spin"), 0, "ranks survived the kill");
}

Test(mpijob, todo_is_not_started)
{
    struct gr_mpi_run r = job(2, "todo", 10);
    cr_assert_eq(r.outcome, GR_NOT_STARTED, "%s", r.problem);
    cr_assert(strstr(r.problem, "not started: main() in grader/mpi/selftest.c"),
              "%s", r.problem);
}

Test(mpijob, crash_is_a_crash)
{
    struct gr_mpi_run r = job(2, "crash", 10);
    cr_assert_eq(r.outcome, GR_CRASH, "%s", r.problem);
}

Test(mpijob, leftover_message_is_reported)
{
    struct gr_mpi_run r = job(2, "leftover", 10);
    cr_assert(strstr(r.problem, "a message from rank 1 to rank 0 (tag 5) was "
                     "never received"), "%s", r.problem);
}

Test(mpijob, learner_may_not_start_mpi)
{
    struct gr_mpi_run r = job(1, "mpi-init", 10);
    cr_assert(strstr(r.problem, "called MPI_Init()"), "%s", r.problem);
}

/* MPI ranks run with symbolize=0 (harness.c): a report's frames are then
 * "(module+offset)", and report.c names the learner's one itself. */
__attribute__((noinline)) int a_frame_to_name(void)
{
    return 1;
}

Test(mpijob, an_unsymbolized_frame_is_named)
{
    Dl_info info;
    char exe[512], report[1024], where[400] = "";
    cr_assert(dladdr((void *)a_frame_to_name, &info) && realpath("/proc/self/exe", exe));
    unsigned long offset = (unsigned long)((char *)a_frame_to_name - (char *)info.dli_fbase);
    snprintf(report, sizeof report,
             "    #0 0x7f00000a1b2c  (/lib/x86_64-linux-gnu/libasan.so.8+0xa1b2c)\n"
             "    #1 0x%lx  (%s+0x%lx)\n", offset, exe, offset);
    cr_assert(gr_learner_frame(report, where, sizeof where), "no frame named in: %s", report);
    cr_assert(strstr(where, "a_frame_to_name() at tests/mpijob.c:"), "named as: %s", where);
}

Test(mpijob, leak_is_reported)
{
    struct gr_mpi_run r = job(2, "leak", 10);
    cr_assert(strstr(r.problem, "100 bytes of memory leaked"), "%s", r.problem);
}

/* The early stop (mpi_trace.h): a job may print fewer rounds than it was
 * asked for only when those rounds show a clear verdict; the judge checks
 * the rule itself, so a job that stops short otherwise fails. */
static enum gr_verdict judged(const char *mode, char *msg, size_t n)
{
    struct gr_mpi_speedup s = { .args = mode, .ranks = 2, .rounds = 5,
                                .what = mode, .program = selftest() };
    setenv("GRADER_EARLY", "1", 1); /* as graded, whatever the caller set */
    enum gr_verdict v = gr_judge_mpi_speedup(&s, msg, n);
    if (v == GR_SKIP && strstr(msg, "1 usable core"))
        cr_skip_test("%s", msg);
    return v;
}

Test(mpijob, a_clear_early_stop_is_judged)
{
    char msg[2048];
    cr_assert_eq(judged("clear", msg, sizeof msg), GR_PASS, "two rounds clear "
                 "of the mark by 0.25 should pass: %s", msg);
}

Test(mpijob, an_unclear_early_stop_fails)
{
    char msg[2048];
    cr_assert_eq(judged("unclear", msg, sizeof msg), GR_FAIL, "a job that "
                 "stopped after two rounds that were not clear should fail: %s", msg);
    cr_assert(strstr(msg, "printed 2 of its 5 rounds"), "%s", msg);
}
