/* channel.c: what the test runner learns from grade.py, out of the
 * learner's sight.
 *
 * grade.py runs every phase of a test binary (the ordinary tests in
 * parallel, the timed suites one at a time) with the same command line and
 * the same environment, so that code under test cannot tell a timed run
 * from the others by reading its argv, /proc/self/cmdline or environ, or
 * its parent's.  The phase itself (Criterion's test pattern and job count)
 * arrives on a pipe, GRADER_CONTROL_FD, that this constructor reads in the
 * runner before Criterion's main() parses its options; the runner hands
 * it to Criterion as CRITERION_TEST_PATTERN and CRITERION_JOBS, and takes
 * both out of its environment again before any test process is started.
 *
 * The report goes back on another pipe, GRADER_REPORT_FD, which only the
 * runner keeps: it is marked close-on-exec here, so the test processes
 * (BoxFort execs each worker) never hold it, and no file on disk exists
 * for learner code to rewrite. */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int env_fd(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : -1;
}

/* "pattern\njobs\n" from the control pipe, into Criterion's variables. */
static void read_phase(int fd)
{
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    char *jobs = strchr(buf, '\n');
    if (!jobs)
        return;
    *jobs++ = '\0';
    jobs[strcspn(jobs, "\n")] = '\0';
    setenv("CRITERION_TEST_PATTERN", buf, 1);
    setenv("CRITERION_JOBS", jobs, 1);
}

__attribute__((constructor)) static void gr_channel_init(void)
{
    int control = env_fd("GRADER_CONTROL_FD");
    int report = env_fd("GRADER_REPORT_FD");
    if (report >= 0)
        fcntl(report, F_SETFD, FD_CLOEXEC);
    if (control >= 0)
        read_phase(control);
}

/* Criterion has read its options by now; the workers it is about to start
 * inherit the environment, so the phase leaves it first. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    unsetenv("CRITERION_TEST_PATTERN");
    unsetenv("CRITERION_JOBS");
}

/* In the sandboxed child, before learner code runs: close the test
 * process's line to Criterion's runner (a socket connected to
 * /tmp/criterion_PID.sock), which a test process holds to report its
 * result, so that learner code cannot write on it. */
void gr_close_runner_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return;
    int mine = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        int fd = atoi(e->d_name);
        struct sockaddr_un peer;
        socklen_t len = sizeof peer;
        if (fd <= 2 || fd == mine)
            continue;
        memset(&peer, 0, sizeof peer);
        if (getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && peer.sun_family == AF_UNIX &&
            strstr(peer.sun_path, "criterion"))
            close(fd);
    }
    closedir(d);
}

/* Referenced by the link line (-u), so the archive member is always in. */
int gr_channel_linked;
