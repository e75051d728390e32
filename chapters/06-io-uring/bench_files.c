/* bench_files.c: many small regular files read by one blocking thread,
 * by libuv's thread pool, and by io_uring at queue depths 1, 8 and 64.
 *
 * Each method opens, reads (one read of up to 64 KiB) and closes every
 * file of a folder under /var/tmp (on disk, not tmpfs).  Each runs in a
 * child process of its own, so its CPU time (user + system, its threads
 * and the kernel's io_uring workers included) comes from wait4(), and
 * perf counts its system calls (syscount.h).  Two cache states:
 *   warm   every file was read just before, so every page is cached;
 *   cold   posix_fadvise(POSIX_FADV_DONTNEED) dropped each file's pages
 *          first, checked with mincore(); on a VM the host may still
 *          cache the disk, so cold here means "not in this kernel's page
 *          cache", not "from the platter".
 * The methods take turns, three rounds; each cell is the median.
 * Output: plots/06-io-uring/files.dat. */
#define _GNU_SOURCE
#include "syscount.h"
#include "timing.h"
#include "uring_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define FILE_BYTES (16 * 1024)
#define READ_MAX (64 * 1024)
#define ROUNDS 3
#define LIBUV_CAP 64 /* files in flight on the pool (it has 4 threads) */

static int nfiles;
static char dir[64];
static char (*paths)[80];
static long bytes_read; /* in the child: what it read, to check it */

static void make_files(void)
{
    snprintf(dir, sizeof dir, "/var/tmp/bench-files-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("bench_files: mkdtemp");
        exit(1);
    }
    paths = calloc((size_t)nfiles, sizeof *paths);
    char data[FILE_BYTES];
    for (int i = 0; i < nfiles; i++) {
        memset(data, 'a' + i % 26, sizeof data);
        snprintf(paths[i], sizeof paths[i], "%s/f%05d", dir, i);
        int fd = open(paths[i], O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data) {
            perror("bench_files: write");
            exit(1);
        }
        fsync(fd); /* clean pages: only clean pages can be dropped */
        close(fd);
    }
}

static void remove_files(void)
{
    for (int i = 0; i < nfiles; i++)
        unlink(paths[i]);
    rmdir(dir);
}

/* ---- the methods ------------------------------------------------------ */

static void blocking(void)
{
    static char buf[READ_MAX];
    for (int i = 0; i < nfiles; i++) {
        int fd = open(paths[i], O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        bytes_read += n > 0 ? n : 0;
        close(fd);
    }
}

/* libuv: open, read, close, each a request run on the thread pool. */
struct uvf {
    uv_fs_t req;
    int file;
    uv_file fd;
    char buf[READ_MAX];
};
static int uv_next;
static void uv_start(uv_loop_t *loop, struct uvf *f);

static void uv_closed(uv_fs_t *req)
{
    struct uvf *f = req->data;
    uv_fs_req_cleanup(req);
    uv_start(req->loop, f); /* this slot takes the next file */
}

static void uv_was_read(uv_fs_t *req)
{
    struct uvf *f = req->data;
    bytes_read += req->result > 0 ? req->result : 0;
    uv_fs_req_cleanup(req);
    uv_fs_close(req->loop, &f->req, f->fd, uv_closed);
}

static void uv_opened(uv_fs_t *req)
{
    struct uvf *f = req->data;
    f->fd = (uv_file)req->result;
    uv_fs_req_cleanup(req);
    uv_buf_t b = uv_buf_init(f->buf, sizeof f->buf);
    uv_fs_read(req->loop, &f->req, f->fd, &b, 1, 0, uv_was_read);
}

static void uv_start(uv_loop_t *loop, struct uvf *f)
{
    if (uv_next >= nfiles)
        return;
    f->file = uv_next++;
    f->req.data = f;
    uv_fs_open(loop, &f->req, paths[f->file], O_RDONLY, 0, uv_opened);
}

static void libuv_pool(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    static struct uvf slot[LIBUV_CAP];
    for (int s = 0; s < LIBUV_CAP; s++)
        uv_start(&loop, &slot[s]);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
}

// [snippet chain]
/* io_uring: each slot carries one file through openat, read and close,
 * all three as operations; user_data holds the slot and the step. */
enum step { OPEN, READ, CLOSE };

static void uring_step(struct io_uring *ring, int slot, enum step step, int fd,
                       int file, char *buf)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (step == OPEN)
        io_uring_prep_openat(sqe, AT_FDCWD, paths[file], O_RDONLY, 0);
    else if (step == READ)
        io_uring_prep_read(sqe, fd, buf, READ_MAX, 0);
    else
        io_uring_prep_close(sqe, fd);
    io_uring_sqe_set_data64(sqe, (uint64_t)slot << 2 | step);
}
// [end chain]

static unsigned depth;

static void uring(void)
{
    struct io_uring ring;
    if (io_uring_queue_init(depth, &ring, 0) < 0)
        exit(3);
    int *file = calloc(depth, sizeof *file), *fd = calloc(depth, sizeof *fd);
    char *bufs = malloc((size_t)depth * READ_MAX);
    int next = 0, busy = 0;
    for (unsigned s = 0; s < depth && next < nfiles; s++, busy++) {
        file[s] = next++;
        uring_step(&ring, (int)s, OPEN, 0, file[s], NULL);
    }
    while (busy > 0) {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            int s = (int)(cqe->user_data >> 2), res = cqe->res;
            enum step step = (enum step)(cqe->user_data & 3);
            seen++;
            if (step == OPEN && res >= 0) {
                fd[s] = res;
                uring_step(&ring, s, READ, res, file[s], bufs + (size_t)s * READ_MAX);
            } else if (step == READ) {
                bytes_read += res > 0 ? res : 0;
                uring_step(&ring, s, CLOSE, fd[s], file[s], NULL);
            } else if (next < nfiles) { /* closed, or failed to open */
                file[s] = next++;
                uring_step(&ring, s, OPEN, 0, file[s], NULL);
            } else {
                busy--;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    io_uring_queue_exit(&ring);
    free(file), free(fd), free(bufs);
}

/* ---- measuring ---------------------------------------------------------- */

struct cell {
    double wall_ms, cpu_ms, calls_per_file;
    int ok;
};

static struct { double wall; long bytes; } *shared;

/* Drop every file's pages, and check with mincore() that they are gone.
 * Returns the pages still resident. */
static long drop_cache(void)
{
    long left = 0;
    unsigned char vec[FILE_BYTES / 4096 + 1];
    for (int i = 0; i < nfiles; i++) {
        int fd = open(paths[i], O_RDONLY);
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        void *m = mmap(NULL, FILE_BYTES, PROT_READ, MAP_SHARED, fd, 0);
        if (m != MAP_FAILED && mincore(m, FILE_BYTES, vec) == 0)
            for (size_t p = 0; p < FILE_BYTES / 4096; p++)
                left += vec[p] & 1;
        if (m != MAP_FAILED)
            munmap(m, FILE_BYTES);
        close(fd);
    }
    return left;
}

static struct cell measure(void (*method)(void), int cold, long *resident)
{
    struct cell c = { 0 };
    if (cold)
        *resident += drop_cache();
    else
        blocking(); /* warm every page */
    int go[2];
    if (pipe(go) != 0)
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        double t0 = now_s();
        bytes_read = 0;
        method();
        shared->wall = now_s() - t0;
        shared->bytes = bytes_read;
        _exit(0);
    }
    close(go[0]);
    struct syscount sc;
    syscount_start(&sc, pid);
    (void)!write(go[1], "g", 1);
    close(go[1]);
    struct rusage ru;
    int status;
    wait4(pid, &status, 0, &ru);
    long calls = syscount_stop(&sc);
    c.wall_ms = shared->wall * 1e3;
    c.cpu_ms = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    c.calls_per_file = calls < 0 ? -1 : (double)calls / nfiles;
    c.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
           shared->bytes == (long)nfiles * FILE_BYTES;
    return c;
}

static void set_depth_1(void) { depth = 1; uring(); }
static void set_depth_8(void) { depth = 8; uring(); }
static void set_depth_64(void) { depth = 64; uring(); }

int main(void)
{
    uring_or_keep_data("bench_files", "plots/06-io-uring/files.dat");
    int quick = quick_mode(), rounds = quick ? 1 : ROUNDS;
    nfiles = quick ? 200 : 2000;
    shared = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    make_files();
    const char *names[] = { "blocking", "libuv-pool", "uring-qd1", "uring-qd8", "uring-qd64" };
    void (*methods[])(void) = { blocking, libuv_pool, set_depth_1, set_depth_8, set_depth_64 };
    enum { M = 5 };
    struct cell cells[2][M][ROUNDS];
    long resident = 0;
    int bad = 0;
    for (int k = 0; k < rounds; k++)
        for (int cold = 0; cold < 2; cold++)
            for (int j = 0; j < M; j++) { /* take turns: a different one first each round */
                int i = (j + k) % M;
                cells[cold][i][k] = measure(methods[i], cold, &resident);
                bad += !cells[cold][i][k].ok;
            }
    remove_files();
    print_machine(stdout);
    printf("# %d files of %d KiB in /var/tmp (ext4 here), each opened, read once (up to %d KiB) and closed\n",
           nfiles, FILE_BYTES / 1024, READ_MAX / 1024);
    printf("# warm: every page cached; cold: dropped with posix_fadvise(DONTNEED) first, "
           "%ld pages still resident after dropping (mincore)\n", resident);
    printf("# libuv %s: its thread pool (4 threads), %d files in flight; uring-qdN: openat, read "
           "and close as io_uring operations, N files in flight, liburing\n",
           uv_version_string(), LIBUV_CAP);
    printf("# CPU: user + system of the process, threads and io_uring workers included; "
           "syscalls counted by perf (raw_syscalls:sys_enter)%s\n",
           cells[0][0][0].calls_per_file < 0 ? ", which could not run here: -1" : "");
    printf("# median of %d rounds, taking turns; runs that read wrong: %d\n", rounds, bad);
    printf("# the machine is shared with other work and was busy while this ran\n");
    printf("# columns: method warm_wall_(ms) warm_CPU_(ms) warm_syscalls/file cold_wall_(ms) "
           "cold_CPU_(ms) cold_syscalls/file\n");
    for (int i = 0; i < M; i++) {
        double v[2][3];
        for (int cold = 0; cold < 2; cold++) {
            double w[ROUNDS], c[ROUNDS], s[ROUNDS];
            for (int k = 0; k < rounds; k++) {
                w[k] = cells[cold][i][k].wall_ms;
                c[k] = cells[cold][i][k].cpu_ms;
                s[k] = cells[cold][i][k].calls_per_file;
            }
            v[cold][0] = median(w, rounds), v[cold][1] = median(c, rounds),
            v[cold][2] = median(s, rounds);
        }
        printf("%-11s %8.1f %8.1f %6.2f %8.1f %8.1f %6.2f\n", names[i], v[0][0], v[0][1],
               v[0][2], v[1][0], v[1][1], v[1][2]);
    }
    return bad ? 1 : 0;
}
