/* hello_uring.c: the life of an SQE and its CQE, and a batch.
 *
 * Four reads of this very file, at four offsets, go into the submission
 * queue; one io_uring_submit() (one io_uring_enter() system call) hands
 * all four to the kernel; the completions come back with the user_data
 * each was given, in whatever order the kernel finished them.  The ring's
 * head and tail counters are printed at each step, so the queues can be
 * watched moving. */
#define _GNU_SOURCE
#include "uring_probe.h"

#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <unistd.h>

static void show(struct io_uring *ring, const char *when)
{
    printf("%-28s SQ head %u tail %u | CQ head %u tail %u\n", when, *ring->sq.khead,
           ring->sq.sqe_tail, *ring->cq.khead, *ring->cq.ktail);
}

int main(void)
{
    uring_or_skip("hello_uring");
    int fd = open("chapters/06-io-uring/hello_uring.c", O_RDONLY);
    if (fd < 0) {
        perror("hello_uring: run it from the repository's root");
        return 1;
    }
    // [snippet batch]
    struct io_uring ring;
    io_uring_queue_init(8, &ring, 0);         /* 8 SQEs; the CQ gets 16 */
    char buf[4][16];
    for (int i = 0; i < 4; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring); /* a free slot */
        io_uring_prep_read(sqe, fd, buf[i], sizeof buf[i] - 1, 100 * i);
        io_uring_sqe_set_data64(sqe, i);      /* comes back in the CQE */
    }
    show(&ring, "4 SQEs prepared:");
    int n = io_uring_submit(&ring);           /* one io_uring_enter() for all */
    show(&ring, "submitted:");
    for (int done = 0; done < n; done++) {
        struct io_uring_cqe *cqe;
        io_uring_wait_cqe(&ring, &cqe);       /* returns at once if one is there */
        int i = (int)io_uring_cqe_get_data64(cqe);
        buf[i][cqe->res > 0 ? cqe->res : 0] = '\0';
        printf("  read %d (offset %3d): res %d\n", i, 100 * i, cqe->res);
        io_uring_cqe_seen(&ring, cqe);        /* the CQ slot is free again */
    }
    show(&ring, "all 4 completions seen:");
    io_uring_queue_exit(&ring);
    // [end batch]
    close(fd);
    return 0;
}
