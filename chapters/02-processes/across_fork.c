/* across_fork.c: what crosses fork() and exec(), and how a parent learns
 * that children ended.
 *
 * 1. Descriptors: a child inherits every open descriptor, and keeps it
 *    across exec() unless it is marked close-on-exec (O_CLOEXEC,
 *    FD_CLOEXEC, SOCK_CLOEXEC).  An exec'd shell reports which of two
 *    pipes it still has.
 * 2. dup2(): the child's standard output becomes a pipe to the parent.
 * 3. Threads: fork() in a process with two threads gives a child with
 *    one, the caller; /proc/self/task counts them.
 * 4. SIGCHLD: a handler installed with sigaction() reaps every child that
 *    ended, with waitpid(WNOHANG) in a loop, since several endings can
 *    arrive as one signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The "Threads:" line of /proc/self/status, read with open() and read()
 * and parsed by hand: the child of a threaded process may call only
 * async-signal-safe functions, and opendir() or sscanf() are not. */
static int count_threads(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC), n = 0;
    ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    buf[len > 0 ? len : 0] = '\0';
    char *p = strstr(buf, "\nThreads:"); /* strstr is async-signal-safe */
    for (p = p ? p + 9 : buf + len; *p == '\t' || *p == ' '; p++)
        ;
    while (*p >= '0' && *p <= '9')
        n = n * 10 + (*p++ - '0');
    return n;
}

static void *sleeper(void *arg)
{
    (void)arg;
    pause(); /* stays alive, so the process has two threads */
    return NULL;
}

// [snippet cloexec]
static void exec_sees(int kept, int closed)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "for fd in %d %d; do if [ -e /proc/self/fd/$fd ]; "
             "then echo \"  exec'd shell: fd $fd open\"; else echo \"  exec'd "
             "shell: fd $fd closed\"; fi; done", kept, closed);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
}
// [end cloexec]

// [snippet sigchld]
static volatile sig_atomic_t reaped;

static void on_sigchld(int sig)
{
    (void)sig;
    int saved = errno; /* waitpid() may change it under the interrupted code */
    while (waitpid(-1, NULL, WNOHANG) > 0) /* every child that has ended */
        reaped++;
    errno = saved;
}
// [end sigchld]

int main(void)
{
    int plain[2], cloexec[2];
    if (pipe(plain) != 0 || pipe2(cloexec, O_CLOEXEC) != 0)
        return 1;
    printf("1. pipe() gave fd %d, pipe2(O_CLOEXEC) gave fd %d; after exec:\n",
           plain[0], cloexec[0]);
    fflush(stdout);
    exec_sees(plain[0], cloexec[0]);

    int out[2];
    if (pipe(out) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO); /* fd 1 now writes into the pipe */
        close(out[0]);
        close(out[1]);
        execlp("echo", "echo", "hello through dup2", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    char buf[64] = "";
    ssize_t n = read(out[0], buf, sizeof buf - 1);
    buf[n > 0 ? n - 1 : 0] = '\0';
    waitpid(pid, NULL, 0);
    printf("2. the parent read from the child's stdout: \"%s\"\n", buf);

    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    if ((pid = fork()) == 0) {
        char c = (char)count_threads(); /* only async-signal-safe calls... */
        write(fds[1], &c, 1);           /* ...belong here, until exec */
        _exit(0);
    }
    char child_threads = 0;
    read(fds[0], &child_threads, 1);
    waitpid(pid, NULL, 0);
    printf("3. the parent has %d threads; the child of fork() had %d\n",
           count_threads(), child_threads);

    struct sigaction sa = { .sa_handler = on_sigchld };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | SA_NOCLDSTOP; /* restart slow calls; no stops */
    sigaction(SIGCHLD, &sa, NULL);
    for (int i = 0; i < 5; i++)
        if (fork() == 0)
            _exit(0);
    while (reaped < 5)
        usleep(1000); /* a real program would be doing its work here */
    printf("4. the SIGCHLD handler reaped %d children\n", (int)reaped);
    return 0;
}
