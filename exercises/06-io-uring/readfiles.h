/* readfiles.h: exercise 6.1, reading many files at once on one thread.
 *
 * Read every file of a list into its own buffer with io_uring: put up to
 * `depth` reads in the submission queue, submit them with one system
 * call, and as each completion comes back, finish that file or ask for
 * its next piece.  One thread, and no thread pool of your own: the
 * kernel works on all the reads in flight at once.
 *
 * A file is read until read() would say end of file (a completion with
 * res == 0) or its buffer is full.  A read may return fewer bytes than
 * asked without being at the end: a pipe gives what it holds, a slow
 * device what it has.  That is a short read; submit another read for the
 * rest, at the offset reached so far.  The tests use named pipes (FIFOs)
 * fed slowly as well as regular files, so short reads do happen.
 *
 * Open each file with open(path, O_RDONLY) (or IORING_OP_OPENAT if you
 * like) and close it when it is done.  A file that cannot be opened or
 * read gets its own error; the other files are still read. */
#ifndef READFILES_H
#define READFILES_H

#include <stddef.h>
#include <sys/types.h>

struct rf_file {
    const char *path; /* in: the file to read */
    char *buf;        /* in: where its bytes go */
    size_t cap;       /* in: room in buf */
    ssize_t result;   /* out: bytes read (0..cap), or -errno, e.g. -ENOENT */
};

/* Read the n files (n >= 0) with at most `depth` operations in flight at
 * any moment (depth >= 1); use them all: as soon as one read finishes,
 * start the next one.  Results go to files[i].result, in the order of the
 * list whatever the order of the completions.  Submit with liburing's
 * io_uring_submit() or io_uring_submit_and_wait(): the tests count what
 * is in flight there.  Tear the ring down and close every file before
 * returning.  Returns 0, or -1 if io_uring cannot be set up (then
 * nothing was read). */
int read_files(struct rf_file *files, int n, unsigned depth);

#endif
