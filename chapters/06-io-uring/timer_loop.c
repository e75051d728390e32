/* timer_loop.c: a timer and I/O in completion style.
 *
 * Chapter 4's loop asks the kernel "which of these descriptors is ready,
 * and wait no longer than the next timer", then does the work itself.
 * Here the timer and the read are themselves operations in the ring:
 *   - a ticker: an IORING_OP_TIMEOUT of 100 ms, submitted again each time
 *     it completes (Linux 6.4 can repeat one by itself,
 *     IORING_TIMEOUT_MULTISHOT);
 *   - a read of a pipe, linked to an IORING_OP_LINK_TIMEOUT of 300 ms: if
 *     no line comes in time, the kernel cancels the read;
 *   - at the end, an IORING_OP_ASYNC_CANCEL stops the ticker.
 * A child process writes three lines into the pipe, the last one late.
 * Every completion says which operation it ends through user_data; the
 * loop is one wait and one switch. */
#define _GNU_SOURCE
#include "timing.h"
#include "uring_probe.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { TICK = 1, READ, READ_TIMEOUT, CANCEL };

static double t0;
static char line[64];

static void submit_tick(struct io_uring *ring, struct __kernel_timespec *every)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_timeout(sqe, every, 0, 0);
    io_uring_sqe_set_data64(sqe, TICK);
}

// [snippet linked]
/* A read that gives up after `limit`: two SQEs, the first linked to the
 * second.  Whichever finishes first cancels the other, and both complete. */
static void submit_read(struct io_uring *ring, int fd, struct __kernel_timespec *limit)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_read(sqe, fd, line, sizeof line - 1, 0);
    io_uring_sqe_set_data64(sqe, READ);
    sqe->flags |= IOSQE_IO_LINK;
    sqe = io_uring_get_sqe(ring);
    io_uring_prep_link_timeout(sqe, limit, 0);
    io_uring_sqe_set_data64(sqe, READ_TIMEOUT);
}
// [end linked]

static void writer(int fd, int quick)
{
    int delays_ms[] = { 50, 120, quick ? 350 : 600 }; /* the last one late */
    for (int i = 0; i < 3; i++) {
        usleep((useconds_t)delays_ms[i] * 1000);
        dprintf(fd, "line %d", i + 1);
    }
    close(fd);
}

int main(void)
{
    uring_or_skip("timer_loop");
    int quick = quick_mode(), p[2];
    if (pipe(p) != 0)
        return 1;
    if (fork() == 0) {
        close(p[0]);
        writer(p[1], quick);
        _exit(0);
    }
    close(p[1]);
    struct io_uring ring;
    io_uring_queue_init(8, &ring, 0);
    struct __kernel_timespec every = { .tv_nsec = 100 * 1000000 },
                             limit = { .tv_nsec = 300 * 1000000 };
    t0 = now_s();
    submit_tick(&ring, &every);
    submit_read(&ring, p[0], &limit);
    int open_ops = 3, ticks = 0, eof = 0;
    // [snippet loop]
    while (open_ops > 0) {
        struct io_uring_cqe *cqe;
        io_uring_submit_and_wait(&ring, 1);
        io_uring_wait_cqe(&ring, &cqe);
        int what = (int)cqe->user_data, res = cqe->res;
        io_uring_cqe_seen(&ring, cqe);
        open_ops--;
        double ms = (now_s() - t0) * 1e3;
        switch (what) {
        case TICK: /* -ETIME: the timeout expired, as a timer should */
            ticks++;
            if (res == -ETIME && !eof) {
                submit_tick(&ring, &every);
                open_ops++;
            }
            break;
        case READ:
            if (res > 0) {
                line[res] = '\0';
                printf("%6.0f ms  read '%s'\n", ms, line);
            } else if (res == -ECANCELED) {
                printf("%6.0f ms  no line within 300 ms: the read was cancelled\n", ms);
            }
            if (res == 0) { /* end of file: stop the ticker, by an operation */
                eof = 1;
                printf("%6.0f ms  end of file after %d ticks; cancelling the ticker\n", ms, ticks);
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                io_uring_prep_cancel64(sqe, TICK, 0);
                io_uring_sqe_set_data64(sqe, CANCEL);
                open_ops++;
            } else {
                submit_read(&ring, p[0], &limit);
                open_ops += 2;
            }
            break;
        case READ_TIMEOUT: /* -ECANCELED when the read won, -ETIME when it lost */
            break;
        case CANCEL:
            printf("%6.0f ms  the cancel completed: %s\n", ms, res == 0 ? "ticker found" : strerror(-res));
            break;
        }
    }
    // [end loop]
    io_uring_queue_exit(&ring);
    wait(NULL);
    return 0;
}
