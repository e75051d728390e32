/* Mutant of exercise 2.1: it times the child with RUSAGE_SELF, the
 * caller's own clock, so the child's CPU time is lost.
 * must fail: timed_run/cpu_time_is_the_childs */
#include "timed_run.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct tr_times self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (struct tr_times){ now(), ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                              ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6 };
}

struct tr_times timed_run(char *const argv[], int *exit_code)
{
    struct tr_times a = self();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    *exit_code = WEXITSTATUS(status);
    struct tr_times b = self();
    return (struct tr_times){ b.wall - a.wall, b.user - a.user, b.sys - a.sys };
}
