/* flush.c: why the book calls fflush() before every fork().
 *
 * printf() writes into a buffer in the process's memory.  When stdout is
 * a terminal the buffer is flushed at every newline; when it is a pipe or
 * a file it is flushed only when full or at exit.  fork() copies the
 * buffer with everything else, so text printed but not yet flushed comes
 * out twice: once from the parent, once from the child. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// [snippet the_bug]
/* Print a line, fork, and let both processes exit normally. */
static void print_then_fork(int flush_first)
{
    printf("printed once, before fork()\n");
    if (flush_first)
        fflush(stdout); /* empty the buffer while only one copy exists */
    pid_t pid = fork();
    if (pid == 0)
        exit(0); /* exit() flushes the child's copy of the buffer */
    waitpid(pid, NULL, 0);
    exit(0); /* ...and the parent's */
}
// [end the_bug]

/* Run print_then_fork() with its stdout going into a pipe, as it would
 * under a test harness or `./prog | less`, and count what comes out. */
static int lines_through_a_pipe(int flush_first)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], STDOUT_FILENO);
        close(fd[1]);
        print_then_fork(flush_first);
    }
    close(fd[1]);
    char buf[4096];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fd[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fd[0]);
    waitpid(pid, NULL, 0);
    buf[got] = '\0';
    int lines = 0;
    for (char *p = buf; (p = strchr(p, '\n')); p++)
        lines++;
    return lines;
}

int main(void)
{
    int without = lines_through_a_pipe(0), with = lines_through_a_pipe(1);
    printf("without fflush: the line came out %d times\n", without);
    printf("with fflush:    the line came out %d time%s\n", with,
           with == 1 ? "" : "s");
    return without == 2 && with == 1 ? 0 : 1;
}
