/* Mutant of exercise 1.1: it times a child with RUSAGE_SELF, so the
 * child's CPU time is lost.
 * must fail: stopwatch/cpu_time_is_the_childs */
#include "stopwatch.h"

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

static struct sw_times self(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (struct sw_times){ now(), ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6,
                              ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6 };
}

struct sw_times stopwatch_fn(void (*fn)(void *arg), void *arg)
{
    struct sw_times a = self();
    fn(arg);
    struct sw_times b = self();
    return (struct sw_times){ b.wall - a.wall, b.user - a.user, b.sys - a.sys };
}

struct sw_times stopwatch_cmd(char *const argv[], int *exit_code)
{
    struct sw_times a = self();
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    *exit_code = WEXITSTATUS(status);
    struct sw_times b = self();
    return (struct sw_times){ b.wall - a.wall, b.user - a.user, b.sys - a.sys };
}
