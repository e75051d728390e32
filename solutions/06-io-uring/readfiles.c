/* Exercise 6.1, reference solution: many files read on one thread.
 *
 * The continuation of each read is the file's index, carried through the
 * kernel in the SQE's user_data and handed back in the CQE.  A completion
 * either finishes its file (end of file, a full buffer, an error) or is a
 * short read, and then the same file's next read goes in at once.  New
 * files start whenever a slot is free, so `depth` reads stay in flight
 * until the list runs out. */
#define _GNU_SOURCE
#include "readfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct reader {
    struct io_uring ring;
    struct rf_file *files;
    int *fd;          /* each file's descriptor while it is being read */
    size_t *got;      /* bytes read so far, the offset of the next read */
};

// [snippet queue_read]
/* Ask for the rest of file i: the continuation is just its index. */
static void queue_read(struct reader *r, int i)
{
    struct rf_file *f = &r->files[i];
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    io_uring_prep_read(sqe, r->fd[i], f->buf + r->got[i],
                       (unsigned)(f->cap - r->got[i]), r->got[i]);
    io_uring_sqe_set_data64(sqe, (uint64_t)i);
}
// [end queue_read]

static void finish(struct reader *r, int i, ssize_t result)
{
    r->files[i].result = result;
    if (r->fd[i] >= 0)
        close(r->fd[i]);
    r->fd[i] = -1;
}

/* Start file i: open it and queue its first read.  Returns 1 when a read
 * went in flight, 0 when the file was already done (an error, no room). */
static int start(struct reader *r, int i)
{
    r->got[i] = 0;
    r->fd[i] = open(r->files[i].path, O_RDONLY | O_CLOEXEC);
    if (r->fd[i] < 0) {
        finish(r, i, -errno);
        return 0;
    }
    if (r->files[i].cap == 0) {
        finish(r, i, 0);
        return 0;
    }
    queue_read(r, i);
    return 1;
}

// [snippet complete]
/* One completion.  Returns 1 if the file's next read went in flight. */
static int complete(struct reader *r, const struct io_uring_cqe *cqe)
{
    int i = (int)io_uring_cqe_get_data64(cqe);
    if (cqe->res < 0) {
        finish(r, i, cqe->res); /* already -errno */
        return 0;
    }
    r->got[i] += (size_t)cqe->res;
    if (cqe->res == 0 || r->got[i] == r->files[i].cap) {
        finish(r, i, (ssize_t)r->got[i]);
        return 0;
    }
    queue_read(r, i); /* a short read: ask for the rest */
    return 1;
}
// [end complete]

// [snippet loop]
int read_files(struct rf_file *files, int n, unsigned depth)
{
    struct reader r = { .files = files };
    if (n <= 0)
        return 0;
    if (io_uring_queue_init(depth, &r.ring, 0) < 0)
        return -1;
    r.fd = malloc(sizeof *r.fd * (size_t)n);
    r.got = malloc(sizeof *r.got * (size_t)n);
    int next = 0;
    unsigned inflight = 0;
    while (next < n || inflight > 0) {
        while (inflight < depth && next < n)
            inflight += (unsigned)start(&r, next++);
        if (inflight == 0)
            continue; /* every file started so far failed to open */
        /* One system call submits the batch and waits for one result. */
        io_uring_submit_and_wait(&r.ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&r.ring, head, cqe) {
            if (!complete(&r, cqe))
                inflight--;
            seen++;
        }
        io_uring_cq_advance(&r.ring, seen);
    }
    io_uring_queue_exit(&r.ring);
    free(r.fd);
    free(r.got);
    return 0;
}
// [end loop]
