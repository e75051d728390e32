/* uring_probe.h: can this process use io_uring, and if not, why not?
 *
 * Every demo, bench and test of the io_uring chapter asks this first and,
 * when the answer is no, prints the one sentence it returns and skips.
 * io_uring can be missing for four reasons, and each looks different:
 *
 *   - the administrator turned it off: the sysctl kernel.io_uring_disabled
 *     (Linux 6.6 and later) is 2 for everyone, or 1 for everyone outside
 *     the group in kernel.io_uring_group; io_uring_setup() then fails
 *     with EPERM;
 *   - a seccomp filter (a container's default profile, a systemd unit's
 *     SystemCallFilter=) blocks the system calls: usually EPERM, ENOSYS
 *     with some profiles;
 *   - the kernel predates io_uring (5.1) or was built without it: ENOSYS;
 *   - the kernel is too old for an operation the chapter uses (each
 *     opcode has a first kernel; the probe lists what this one has).
 *
 * GRADER_NO_IO_URING=1 in the environment makes the answer "no" on
 * purpose, so that `make test` can check the skip path on a machine where
 * io_uring works.  Header-only, so that the demos and the tests share it
 * without a library of their own. */
#ifndef URING_PROBE_H
#define URING_PROBE_H

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The opcodes the chapter needs, with the kernel that added each. */
static const struct { int op; const char *name, *since; } uring_needed[] = {
    { IORING_OP_READ, "IORING_OP_READ", "5.6" },
    { IORING_OP_ACCEPT, "IORING_OP_ACCEPT", "5.5" },
    { IORING_OP_RECV, "IORING_OP_RECV", "5.6" },
    { IORING_OP_SEND, "IORING_OP_SEND", "5.6" },
    { IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT", "5.4" },
};

/* The sysctl, or -1 where the kernel has none (before 6.6). */
static inline int uring_disabled_sysctl(void)
{
    FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "r");
    int v = -1;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -1;
        fclose(f);
    }
    return v;
}

/* Why setup failed with -err, as the end of a sentence, given the sysctl's
 * value (-1 where there is none). */
static inline void uring_reason_for(int err, int sysctl, char *why, size_t n)
{
    if (err == EPERM && sysctl > 0)
        snprintf(why, n, "the administrator disabled it (kernel.io_uring_disabled = %d%s)",
                 sysctl, sysctl == 1 ? ", and this user is not in kernel.io_uring_group" : "");
    else if (err == EPERM)
        snprintf(why, n, "io_uring_setup() was refused with EPERM, most likely by a "
                 "seccomp filter such as a container's default profile");
    else if (err == ENOSYS)
        snprintf(why, n, "io_uring_setup() does not exist here (ENOSYS): a kernel "
                 "older than 5.1, one built without io_uring, or a seccomp filter");
    else
        snprintf(why, n, "io_uring_queue_init() failed: %s", strerror(err));
}

static inline void uring_setup_reason(int err, char *why, size_t n)
{
    uring_reason_for(err, uring_disabled_sysctl(), why, n);
}

/* The first opcode the chapter needs that probe p (NULL: no probe, before
 * 5.6) lacks, as the end of a sentence; "" when none is missing. */
static inline void uring_missing_op(const struct io_uring_probe *p, char *why, size_t n)
{
    why[0] = '\0';
    for (size_t i = 0; i < sizeof uring_needed / sizeof uring_needed[0]; i++)
        if (!p || !io_uring_opcode_supported(p, uring_needed[i].op)) {
            snprintf(why, n, "this kernel is too old: it lacks %s (Linux %s)",
                     uring_needed[i].name, uring_needed[i].since);
            return;
        }
}

/* 1 if io_uring works here with every opcode the chapter uses.  If not,
 * 0, and `why` gets one sentence that says why and how to check. */
static inline int uring_usable(char *why, size_t n)
{
    const char *forced = getenv("GRADER_NO_IO_URING");
    char reason[256] = "";
    if (forced && *forced && strcmp(forced, "0") != 0) {
        snprintf(reason, sizeof reason, "GRADER_NO_IO_URING=%s is set", forced);
    } else {
        struct io_uring ring;
        int rc = io_uring_queue_init(2, &ring, 0);
        if (rc < 0) {
            uring_setup_reason(-rc, reason, sizeof reason);
        } else {
            struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
            uring_missing_op(p, reason, sizeof reason);
            if (p)
                io_uring_free_probe(p);
            io_uring_queue_exit(&ring);
        }
    }
    if (!reason[0])
        return 1;
    snprintf(why, n, "io_uring is not available here, so this is skipped: %s "
             "(check with: cat /proc/sys/kernel/io_uring_disabled; uname -r)", reason);
    return 0;
}

/* For demos: print the sentence and exit 0 when io_uring is not
 * available (a skip is not a failure). */
static inline void uring_or_skip(const char *prog)
{
    char why[512];
    if (!uring_usable(why, sizeof why)) {
        printf("%s: %s\n", prog, why);
        exit(0);
    }
}

/* For benches, whose stdout `make bench` writes over their data file: the
 * sentence goes to stderr, and the committed data to stdout, unchanged. */
static inline void uring_or_keep_data(const char *prog, const char *data)
{
    char why[512];
    if (uring_usable(why, sizeof why))
        return;
    fprintf(stderr, "%s: %s; %s is left as it was\n", prog, why, data);
    FILE *f = fopen(data, "r");
    int c;
    while (f && (c = getc(f)) != EOF)
        putchar(c);
    if (f)
        fclose(f);
    exit(0);
}

#endif
