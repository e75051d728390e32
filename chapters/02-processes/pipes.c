/* pipes.c: a pipe moves bytes, not messages, and a signal can interrupt.
 *
 * A child sends 1 MiB through a pipe.  A single read() returns what the
 * pipe holds at that moment, at most 64 KiB here: a short read.  Then the
 * parent arms a timer that interrupts it every millisecond, with a handler
 * installed without SA_RESTART, so a blocked read() fails with EINTR.  A
 * naive loop that treats every error as fatal gives up; read_full() from
 * lib/io.c, which retries after EINTR and asks again after a short read,
 * receives every byte. */
#include "io.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { SIZE = 1 << 20, PIECE = 64 << 10 };

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

/* A child that writes 1 MiB in 16 pieces, pausing between them, so that
 * the reader often waits on an empty pipe. */
static pid_t slow_writer(int *read_end)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        signal(SIGALRM, SIG_IGN); /* the timer is the reader's */
        char *buf = malloc(SIZE);
        memset(buf, 'x', SIZE);
        for (int off = 0; off < SIZE; off += PIECE) {
            struct timespec ts = { 0, 3000000 };
            nanosleep(&ts, NULL);
            write_full(fd[1], buf + off, PIECE);
        }
        _exit(0);
    }
    close(fd[1]);
    *read_end = fd[0];
    return pid;
}

/* The loop most people write first: it handles a short read, but treats
 * EINTR as an error. */
static ssize_t naive_read_all(int fd, char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, buf + done, n - done);
        if (r < 0) {
            printf("the naive loop stops: read: %s\n", strerror(errno));
            return -1;
        }
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (ssize_t)done;
}

static void start_ticking(void)
{
    // [snippet no_restart]
    struct sigaction sa = { .sa_handler = on_tick };
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocked read() fails with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_ms = { { 0, 1000 }, { 0, 1000 } };
    setitimer(ITIMER_REAL, &every_ms, NULL);
    // [end no_restart]
}

static void stop_ticking(void)
{
    setitimer(ITIMER_REAL, &(struct itimerval){ { 0, 0 }, { 0, 0 } }, NULL);
}

static void finish(pid_t pid, int fd)
{
    close(fd);
    waitpid(pid, NULL, 0);
}

int main(void)
{
    char *buf = malloc(SIZE);
    int fd;

    pid_t pid = slow_writer(&fd);
    ssize_t got = read(fd, buf, SIZE);
    printf("one read() of %d bytes returned %zd: a short read\n", SIZE, got);
    finish(pid, fd);

    pid = slow_writer(&fd);
    start_ticking();
    got = naive_read_all(fd, buf, SIZE);
    stop_ticking();
    printf("the naive loop got %zd bytes (%d timer signals)\n", got, (int)ticks);
    finish(pid, fd);

    ticks = 0;
    pid = slow_writer(&fd);
    start_ticking();
    got = read_full(fd, buf, SIZE);
    stop_ticking();
    printf("read_full() got %zd of %d bytes (%d timer signals)\n", got, SIZE,
           (int)ticks);
    finish(pid, fd);
    free(buf);
    return got == SIZE ? 0 : 1;
}
