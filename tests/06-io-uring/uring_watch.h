/* uring_watch.h: what the learner's code does with its ring, seen from
 * the test (chapter 6's tests only).
 *
 * tests/06-io-uring/rules.mk links every test binary of the chapter with
 * -Wl,--wrap for liburing's submit calls and for __io_uring_get_cqe (what
 * the inline io_uring_wait_cqe() and io_uring_peek_cqe() call), so each
 * call from learner code comes here first.  The counts live in a shared
 * mapping made before the sandbox forks, so the test reads what the
 * sandboxed child recorded.
 *
 * In flight, at a submit, is what the kernel has taken from the
 * submission queue minus what the program has consumed from the
 * completion queue: operations asked for and not yet finished with. */
#ifndef URING_WATCH_H
#define URING_WATCH_H

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <liburing.h>
#include "uring_probe.h"
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

struct uring_watch {
    long submits;       /* calls to io_uring_submit*() */
    long sqes;          /* SQEs they submitted */
    long max_inflight;  /* the most operations in flight after a submit */
    long cqe_gets;      /* completions handed out by wait/peek */
    long same_cqe_max;  /* the most times in a row one CQE was handed out */
    long same_cqe_run;
    unsigned last_head;
    void *last_ring;
    long stuck_max;     /* the most submits in a row with the CQ head stuck */
    long stuck_run;
    unsigned stuck_head;
};

static struct uring_watch *uw;

__attribute__((constructor)) static void uw_init(void)
{
    uw = mmap(NULL, sizeof *uw, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
}

static inline void uw_reset(void)
{
    memset(uw, 0, sizeof *uw);
}

static void uw_after_submit(struct io_uring *ring, int rc)
{
    uw->submits++;
    if (rc > 0)
        uw->sqes += rc;
    long inflight = (long)(unsigned)(*ring->sq.khead - *ring->cq.khead);
    if (inflight > uw->max_inflight)
        uw->max_inflight = inflight;
    /* Completions waiting, and the head where it was at the last submit:
     * the program goes round its loop without consuming one.  (The
     * inline io_uring_wait_cqe() hands such a completion out again from
     * user space, never reaching __io_uring_get_cqe below.) */
    unsigned head = *ring->cq.khead;
    if (*ring->cq.ktail != head && head == uw->stuck_head && uw->stuck_run > 0)
        uw->stuck_run++;
    else
        uw->stuck_run = *ring->cq.ktail != head;
    uw->stuck_head = head;
    if (uw->stuck_run > uw->stuck_max)
        uw->stuck_max = uw->stuck_run;
}

int __real_io_uring_submit(struct io_uring *ring);
int __wrap_io_uring_submit(struct io_uring *ring)
{
    int rc = __real_io_uring_submit(ring);
    uw_after_submit(ring, rc);
    return rc;
}

int __real_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
    int rc = __real_io_uring_submit_and_wait(ring, wait_nr);
    uw_after_submit(ring, rc);
    return rc;
}

int __real_io_uring_submit_and_get_events(struct io_uring *ring);
int __wrap_io_uring_submit_and_get_events(struct io_uring *ring)
{
    int rc = __real_io_uring_submit_and_get_events(ring);
    uw_after_submit(ring, rc);
    return rc;
}

int __real_io_uring_submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe,
                                            unsigned wait_nr, struct __kernel_timespec *ts,
                                            sigset_t *sigmask);
int __wrap_io_uring_submit_and_wait_timeout(struct io_uring *ring, struct io_uring_cqe **cqe,
                                            unsigned wait_nr, struct __kernel_timespec *ts,
                                            sigset_t *sigmask)
{
    int rc = __real_io_uring_submit_and_wait_timeout(ring, cqe, wait_nr, ts, sigmask);
    uw_after_submit(ring, rc);
    return rc;
}

/* A completion handed out again and again, with the head not moving, is
 * one the program never marked seen (io_uring_cqe_seen): it is handled
 * over and over, and nothing behind it is ever reached. */
int __real___io_uring_get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
                              unsigned submit, unsigned wait_nr, sigset_t *sigmask);
int __wrap___io_uring_get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
                              unsigned submit, unsigned wait_nr, sigset_t *sigmask)
{
    int rc = __real___io_uring_get_cqe(ring, cqe_ptr, submit, wait_nr, sigmask);
    if (submit)
        uw_after_submit(ring, rc);
    if (rc == 0 && *cqe_ptr) {
        unsigned head = *ring->cq.khead;
        uw->cqe_gets++;
        if ((void *)ring == uw->last_ring && head == uw->last_head)
            uw->same_cqe_run++;
        else
            uw->same_cqe_run = 1;
        if (uw->same_cqe_run > uw->same_cqe_max)
            uw->same_cqe_max = uw->same_cqe_run;
        uw->last_head = head, uw->last_ring = ring;
    }
    return rc;
}

/* Threads of this process, leaving out io_uring's own: the kernel's io-wq
 * workers (iou-wrk-PID) and SQPOLL thread (iou-sqp-PID) appear in
 * /proc/self/task, though the program never made them. */
static inline int uw_threads_besides_io_uring(void)
{
    DIR *d = opendir("/proc/self/task");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char path[300], comm[32] = "";
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(comm, sizeof comm, f))
                comm[0] = 0;
            fclose(f);
        }
        n += strncmp(comm, "iou-", 4) != 0;
    }
    if (d)
        closedir(d);
    return n;
}

/* The probe's sentence for each reason io_uring may be missing, as the
 * probe would say it; "" when all are right, or what is wrong. */
static inline const char *uw_reasons_wrong(void)
{
    static char why[300];
    char r[256];
    static const struct { int err, sysctl; const char *want; } cases[] = {
        { EPERM, 2, "kernel.io_uring_disabled = 2" },
        { EPERM, 1, "io_uring_group" },
        { EPERM, 0, "seccomp" },
        { EPERM, -1, "seccomp" },
        { ENOSYS, -1, "older than 5.1" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uring_reason_for(cases[i].err, cases[i].sysctl, r, sizeof r);
        if (!strstr(r, cases[i].want)) {
            snprintf(why, sizeof why, "for errno %d with kernel.io_uring_disabled %d the "
                     "probe said: %.200s", cases[i].err, cases[i].sysctl, r);
            return why;
        }
    }
    struct io_uring_probe *none = calloc(1, sizeof *none); /* knows no opcode */
    uring_missing_op(none, r, sizeof r);
    free(none);
    if (!strstr(r, "too old") || !strstr(r, "IORING_OP_READ")) {
        snprintf(why, sizeof why, "for a kernel without IORING_OP_READ the probe said: "
                 "%.200s", r[0] ? r : "nothing");
        return why;
    }
    return "";
}

/* The skip path, proved: this same test binary runs `test` again with
 * GRADER_NO_IO_URING=1, and that run must skip with the probe's sentence.
 * Returns "" when it did, or what went wrong. */
static inline const char *uw_forced_skip(const char *test)
{
    static char out[2048], why[600];
    char cmd[600], exe[256];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    /* BXFI_MAP would make the inner run think it is one of Criterion's workers. */
    snprintf(cmd, sizeof cmd, "env -u BXFI_MAP GRADER_NO_IO_URING=1 '%s' --filter '%s' "
             "--verbose -j1 2>&1", exe, test);
    FILE *p = popen(cmd, "r");
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    if (p)
        pclose(p);
    if (strstr(out, "[SKIP]") && strstr(out, "io_uring is not available here")
        && strstr(out, "GRADER_NO_IO_URING=1") && strstr(out, "io_uring_disabled"))
        return "";
    const char *skip = strstr(out, "[SKIP]");
    snprintf(why, sizeof why, "with GRADER_NO_IO_URING=1, %s did not skip with the "
             "probe's sentence (it printed %.300s)", test, skip ? skip : "no [SKIP] line");
    for (char *c = why; *c; c++) /* Criterion's report cannot hold these */
        if (*c == '"' || *c == '\\' || (unsigned char)*c < 32)
            *c = ' ';
    return why;
}

#endif
