/* Tests for exercise 6.1, many files read on one thread with io_uring.
 *
 * read_files() runs in the sandbox; its buffers are in the shared result,
 * so the test sees every byte it read.  Besides regular files, the tests
 * read named pipes (FIFOs) that a thread of the test feeds slowly, one
 * 4 KiB chunk at a time into a pipe that holds no more: those are short
 * reads, and, like a slow disk or a network file system, they reward
 * keeping many reads in flight.  What the code keeps in flight is counted
 * at each io_uring_submit*() by the wrappers of uring_watch.h. */
#define _GNU_SOURCE
#include "grader.h"
#include "readfiles.h"
#include "timing.h"
#include "uring_probe.h"
#include "uring_watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXF 16
#define CAPMAX (128 * 1024)
#define CHUNK 4096

struct job {
    int n, sequential;
    unsigned depth;
    char path[MAXF][96];
    size_t cap[MAXF];
};

struct result {
    int rc, threads;
    ssize_t res[MAXF];
    char data[MAXF][CAPMAX];
};

/* The learner's read_files(), its buffers in the shared result. */
static void call(void *arg, void *out)
{
    struct job *j = arg;
    struct result *r = out;
    struct rf_file f[MAXF];
    for (int i = 0; i < j->n; i++)
        f[i] = (struct rf_file){ j->path[i], r->data[i], j->cap[i], -9999 };
    r->rc = read_files(f, j->n, j->depth);
    for (int i = 0; i < j->n; i++)
        r->res[i] = f[i].result;
    r->threads = uw_threads_besides_io_uring() - 1; /* the sandbox's own thread */
}

/* The reference: the same files, one read() at a time. */
static void call_sequential(void *arg, void *out)
{
    struct job *j = arg;
    struct result *r = out;
    for (int i = 0; i < j->n; i++) {
        int fd = open(j->path[i], O_RDONLY);
        ssize_t got = 0, n = 1;
        while (fd >= 0 && (size_t)got < j->cap[i] && (n = read(fd, r->data[i] + got, j->cap[i] - (size_t)got)) > 0)
            got += n;
        r->res[i] = fd < 0 ? -errno : n < 0 ? -errno : got;
        if (fd >= 0)
            close(fd);
    }
}

static void need_uring(void)
{
    char why[512];
    if (!uring_usable(why, sizeof why))
        cr_skip_test("%s", why);
}

/* ---- the files ------------------------------------------------------------ */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/readfiles-XXXXXX");
    cr_assert(mkdtemp(dir), "the test could not make a temporary folder");
}

/* Removes the folder and everything in it: the test's files and, at
 * most, one empty folder of its own.  Each test calls it once its runs
 * are done, and again as its .fini, so that a test stopped by a failed
 * assertion leaves no folder in /tmp either (the unsolved exercise's run
 * did, in every make test and every student's make check). */
static void clean_dir(void)
{
    if (!dir[0])
        return;
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[sizeof dir + 256];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    dir[0] = '\0';
}

static char byte_of(int file, size_t at)
{
    return (char)('a' + (file * 7 + at * 13 + at / 4096) % 26);
}

static void regular(struct job *j, int i, size_t size, size_t cap)
{
    snprintf(j->path[i], sizeof j->path[i], "%s/file%d", dir, i);
    char *text = malloc(size + 1);
    for (size_t k = 0; k < size; k++)
        text[k] = byte_of(i, k);
    FILE *f = fopen(j->path[i], "w");
    cr_assert(f && fwrite(text, 1, size, f) == size && fclose(f) == 0,
              "the test could not write %s", j->path[i]);
    free(text);
    j->cap[i] = cap;
}

/* ---- FIFOs fed slowly by the test ----------------------------------------- */

struct feeder {
    pthread_t t;
    const char *path;
    int file, chunks, gap_ms;
};

/* Wait (at most 5 s) for the reader to open the FIFO, then write `chunks`
 * chunks, one every gap_ms, each once the pipe has room: the pipe holds
 * one chunk, so each read returns at most one.  Non-blocking throughout,
 * so a reader that never comes or never reads cannot hang the test. */
static void *feed(void *arg)
{
    struct feeder *f = arg;
    double until = now_s() + 5;
    int fd;
    while ((fd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) < 0 && now_s() < until)
        usleep(500);
    if (fd < 0)
        return NULL;
    fcntl(fd, F_SETPIPE_SZ, CHUNK);
    char chunk[CHUNK];
    for (int c = 0; c < f->chunks; c++) {
        if (c)
            usleep((useconds_t)f->gap_ms * 1000);
        for (size_t k = 0; k < CHUNK; k++)
            chunk[k] = byte_of(f->file, (size_t)c * CHUNK + k);
        size_t done = 0;
        while (done < CHUNK && now_s() < until + 5) {
            struct pollfd p = { fd, POLLOUT, 0 };
            poll(&p, 1, 100);
            ssize_t w = write(fd, chunk + done, CHUNK - done);
            if (w < 0 && errno != EAGAIN)
                break;
            done += w > 0 ? (size_t)w : 0;
        }
        if (done < CHUNK)
            break;
    }
    close(fd);
    return NULL;
}

static void fifo(struct job *j, int i)
{
    snprintf(j->path[i], sizeof j->path[i], "%s/fifo%d", dir, i);
    cr_assert(mkfifo(j->path[i], 0600) == 0, "the test could not make a FIFO");
    j->cap[i] = CAPMAX;
}

/* Run fn on j while a feeder thread per FIFO writes into it.  The feeders
 * run in a process of their own, forked before the sandbox: a fork while
 * threads of the test are starting can copy a lock one of them holds (the
 * sanitizers' own), and the sandboxed child then waits on it for ever. */
static struct gr_run run_fed(gr_fn fn, struct job *j, struct result *r, int chunks, int gap_ms)
{
    signal(SIGPIPE, SIG_IGN);
    fflush(NULL);
    pid_t feeders = fork();
    if (feeders == 0) {
        struct feeder f[MAXF];
        int fed = 0;
        for (int i = 0; i < j->n; i++)
            if (strstr(j->path[i], "/fifo")) {
                f[fed] = (struct feeder){ .path = j->path[i], .file = i, .chunks = chunks,
                                          .gap_ms = gap_ms };
                pthread_create(&f[fed].t, NULL, feed, &f[fed]);
                fed++;
            }
        for (int k = 0; k < fed; k++)
            pthread_join(f[k].t, NULL);
        _exit(0);
    }
    cr_assert(feeders > 0, "the test could not fork its feeders");
    memset(r, 0, sizeof *r);
    uw_reset();
    /* The kernel's io-wq workers show up as threads of the process
     * (iou-wrk-PID), so the sandbox's thread check is replaced by one that
     * leaves them out (uw_threads_besides_io_uring). */
    struct gr_limits lim = { .timeout_s = 15, .allow_threads = 1 };
    struct gr_run run = gr_run_fn(fn, j, r, sizeof *r, &lim);
    /* The call is over, so nothing is left to feed: a reader that never
     * opened a FIFO (an unstarted stub) would keep its feeder waiting 5 s. */
    kill(feeders, SIGKILL);
    waitpid(feeders, NULL, 0);
    if (run.outcome == GR_OK && !run.problem[0] && r->threads > 0)
        snprintf(run.problem, sizeof run.problem, "%d thread%s still running after the "
                 "function returned: read_files() uses one thread, and the kernel does "
                 "the waiting", r->threads, r->threads > 1 ? "s were" : " was");
    return run;
}

/* Big (2 MiB), and one test at a time uses it: a failed assertion
 * leaves nothing to free. */
static struct result *new_result(void)
{
    static struct result r;
    return &r;
}

/* What file i should hold: size bytes (as made), truncated to its cap. */
static void check_file(const struct job *j, const struct result *r, int i, size_t size,
                       const char *kind)
{
    size_t want = size < j->cap[i] ? size : j->cap[i];
    cr_assert(r->res[i] == (ssize_t)want,
              "file %d of %d (%s, %zu bytes, buffer %zu) got result %zd, expected %zu%s",
              i, j->n, kind, size, j->cap[i], r->res[i], want,
              r->res[i] > 0 && (size_t)r->res[i] < want && r->res[i] % CHUNK == 0
                  ? ": a read that returns fewer bytes than asked is not the end of the "
                    "file; submit another read for the rest"
                  : "");
    for (size_t k = 0; k < want; k++)
        cr_assert(r->data[i][k] == byte_of(i, k),
                  "file %d of %d (%s, %zu bytes) differs from the file at byte %zu: "
                  "is each read put at the buffer's offset reached so far, and is each "
                  "completion matched to its file through user_data?", i, j->n, kind, size, k);
}

/* ---- contents ------------------------------------------------------------- */

Test(readfiles, contents_in_list_order, .fini = clean_dir)
{
    need_uring();
    static const size_t size[] = { 5000, 0, 1, 4095, 4096, 4097, 100000, 70000, 12, 65536 };
    int n = (int)(sizeof size / sizeof size[0]);
    struct job j = { .n = n, .depth = 4 };
    struct result *r = new_result();
    make_dir();
    for (int i = 0; i < n; i++) /* file 7 is bigger than its buffer */
        regular(&j, i, size[i], i == 7 ? 50000 : size[i] + 100);
    struct gr_run run = run_fed(call, &j, r, 0, 0);
    clean_dir();
    gr_assert_clean(run, "read_files() of 10 regular files with depth 4");
    cr_assert(r->rc == 0, "read_files() of 10 regular files returned %d, expected 0", r->rc);
    cr_assert(uw->submits > 0, "read_files() read 10 files without calling io_uring_submit() "
              "or io_uring_submit_and_wait(): the reads must go through the ring");
    for (int i = 0; i < n; i++)
        check_file(&j, r, i, size[i], i == 7 ? "bigger than its buffer" : "regular");
}

Test(readfiles, depth_one_and_no_files, .fini = clean_dir)
{
    need_uring();
    struct job j = { .n = 3, .depth = 1 };
    struct result *r = new_result();
    make_dir();
    for (int i = 0; i < 3; i++)
        regular(&j, i, 3000 * (size_t)(i + 1), CAPMAX);
    struct gr_run run = run_fed(call, &j, r, 0, 0);
    gr_assert_clean(run, "read_files() of 3 files with depth 1");
    for (int i = 0; i < 3; i++)
        check_file(&j, r, i, 3000 * (size_t)(i + 1), "regular, depth 1");
    j.n = 0;
    run = run_fed(call, &j, r, 0, 0);
    j.n = 3;
    clean_dir();
    gr_assert_clean(run, "read_files() of an empty list");
    cr_assert(r->rc == 0, "read_files() of an empty list returned %d, expected 0", r->rc);
}

Test(readfiles, errors_are_per_file, .fini = clean_dir)
{
    need_uring();
    struct job j = { .n = 5, .depth = 2 };
    struct result *r = new_result();
    make_dir();
    for (int i = 0; i < 5; i++)
        regular(&j, i, 2000, 4000);
    unlink(j.path[1]); /* missing */
    unlink(j.path[3]); /* a folder: opens, but read() fails with EISDIR */
    cr_assert(mkdir(j.path[3], 0700) == 0, "the test could not make a folder");
    struct gr_run run = run_fed(call, &j, r, 0, 0);
    clean_dir();
    gr_assert_clean(run, "read_files() of 5 files, one missing and one a folder");
    cr_assert(r->res[1] == -ENOENT, "file 1 of 5 does not exist; its result was %zd, "
              "expected -ENOENT (%d)", r->res[1], -ENOENT);
    cr_assert(r->res[3] == -EISDIR, "file 3 of 5 is a folder, so its read fails; its result "
              "was %zd, expected -EISDIR (%d): a completion's negative res is -errno",
              r->res[3], -EISDIR);
    for (int i = 0; i < 5; i += 2)
        check_file(&j, r, i, 2000, "regular, beside a missing file and a folder");
}

Test(readfiles, short_reads_are_resumed, .fini = clean_dir)
{
    need_uring();
    struct job j = { .n = 3, .depth = 3 };
    struct result *r = new_result();
    make_dir();
    for (int i = 0; i < 3; i++)
        fifo(&j, i);
    struct gr_run run = run_fed(call, &j, r, 5, 20);
    clean_dir();
    gr_assert_clean(run, "read_files() of 3 FIFOs fed 4 KiB at a time");
    for (int i = 0; i < 3; i++)
        check_file(&j, r, i, 5 * CHUNK, "a FIFO fed 4 KiB every 20 ms");
}

/* ---- concurrency ---------------------------------------------------------- */

Test(readfiles, keeps_depth_in_flight, .fini = clean_dir)
{
    need_uring();
    struct job j = { .n = 12, .depth = 8 };
    struct result *r = new_result();
    make_dir();
    for (int i = 0; i < j.n; i++)
        fifo(&j, i);
    struct gr_run run = run_fed(call, &j, r, 3, 30);
    clean_dir();
    gr_assert_clean(run, "read_files() of 12 FIFOs with depth 8");
    cr_assert(uw->submits > 0, "read_files() never called io_uring_submit() or "
              "io_uring_submit_and_wait(): the reads must go through the ring");
    cr_assert(uw->max_inflight > 1, "read_files() never had more than one operation in "
              "flight (at most %ld at each of its %ld submits, with 12 files and depth 8): "
              "put several reads in the submission queue before waiting for a completion",
              uw->max_inflight, uw->submits);
    cr_assert(uw->max_inflight <= 8, "read_files() had %ld operations in flight with "
              "depth 8: start a new read only when a completion frees a slot",
              uw->max_inflight);
    for (int i = 0; i < j.n; i++)
        check_file(&j, r, i, 3 * CHUNK, "a FIFO fed 4 KiB every 30 ms");
}

/* The same 8 slow FIFOs, read by the learner's code and by the one-at-a-
 * time reference, in interleaved rounds: the reference waits out every
 * file in turn, read_files() should wait for them together.  Sleeps, not
 * CPU, set both times, so a busy machine barely moves the ratio. */
enum { ROUNDS = 3, FILES = 8, CHUNKS = 6, GAP = 15 };

/* One timed read of the 8 FIFOs, by read_files() or by the reference. */
static double timed_read(int reference, struct result *r)
{
    struct job j = { .n = FILES, .depth = FILES };
    make_dir();
    for (int i = 0; i < FILES; i++)
        fifo(&j, i);
    struct gr_run run = run_fed(reference ? call_sequential : call, &j, r, CHUNKS, GAP);
    clean_dir();
    gr_assert_clean(run, reference ? "the one-at-a-time reference" : "read_files()");
    for (int i = 0; i < FILES; i++)
        check_file(&j, r, i, CHUNKS * CHUNK, "a FIFO fed 4 KiB every 15 ms");
    return run.wall;
}

Test(timing, faster_than_one_read_at_a_time, .fini = clean_dir)
{
    need_uring();
    /* The reference cannot be faster than this: a feeder starts when its
     * FIFO is opened, the reference opens one at a time, and each feeder
     * sleeps CHUNKS - 1 gaps (usleep() sleeps at least that long).  So
     * while every round of read_files() so far took under half of it, the
     * rounds' references can wait; once most rounds did, the median is
     * under half of any median the references could have, and the test
     * passes without them (GRADER_EARLY=0: every reference runs). */
    const double floor_s = FILES * (CHUNKS - 1) * GAP / 1e3;
    double mine[ROUNDS], ref[ROUNDS];
    struct result *r = new_result();
    int fast = 0, owed = 0, done = ROUNDS;
    for (int k = 0; k < ROUNDS; k++) {
        mine[k] = timed_read(0, r);
        fast += mine[k] <= 0.5 * floor_s;
        owed++;
        if (fast == k + 1 && gr_early()) {
            if (2 * fast > ROUNDS) {
                cr_log_info("read_files: %d rounds of at most %.0f ms, under half of the "
                            "%.0f ms that reading one at a time must take: passed without "
                            "the reference", fast, 1e3 * 0.5 * floor_s, 1e3 * floor_s);
                return;
            }
            continue;
        }
        for (; owed > 0; owed--)
            ref[k + 1 - owed] = timed_read(1, r);
        /* Decided when the medians' sides can no longer change, whatever
         * the rounds left measure (one at a time ran 2 x 0.6 s a round). */
        double mlo, mhi, slo, shi;
        median_range(mine, k + 1, ROUNDS, &mlo, &mhi);
        median_range(ref, k + 1, ROUNDS, &slo, &shi);
        if (k + 1 < ROUNDS && gr_early() && (mlo > 0.5 * shi || mhi <= 0.5 * slo)) {
            done = k + 1;
            break;
        }
    }
    double m = median(mine, done), s = median(ref, done);
    cr_log_info("read_files: %.0f ms, one at a time: %.0f ms (medians of %d rounds)",
                m * 1e3, s * 1e3, done);
    cr_assert(m <= 0.5 * s, "8 FIFOs that each deliver 4 KiB every 15 ms took %.0f ms with "
              "read_files() and %.0f ms read one at a time (medians of %d interleaved "
              "rounds); with depth 8 they should take well under half as long: keep every "
              "file's read in flight together", m * 1e3, s * 1e3, done);
}

/* ---- where io_uring is not allowed ---------------------------------------- */

/* Once read_files() works, the skip path: the probe's sentence for each
 * reason, and a whole test skipped when GRADER_NO_IO_URING=1 forces it. */
Test(skip, said_when_io_uring_is_off, .fini = clean_dir)
{
    need_uring();
    struct job j = { .n = 1, .depth = 1 };
    struct result *r = new_result();
    make_dir();
    regular(&j, 0, 100, 200);
    struct gr_run run = run_fed(call, &j, r, 0, 0);
    clean_dir();
    gr_assert_clean(run, "read_files() of one file");
    check_file(&j, r, 0, 100, "regular");
    const char *bad = uw_forced_skip("readfiles/contents_in_list_order");
    cr_assert(!bad[0], "%s", bad);
    bad = uw_reasons_wrong();
    cr_assert(!bad[0], "%s", bad);
}
