/* mpijob.h: grading MPI exercises (chapter 9).
 *
 * An MPI exercise cannot run in the sandbox of grader.h: its code must
 * run in several processes started by mpirun.  So the build makes a
 * second program next to the Criterion binary, <test binary>.mpi, from
 * the exercise's driver (tests/NN-slug/NAME.mpi.c), the learner's code and
 * grader/mpi/harness.c, and the tests run it with gr_mpirun().
 *
 * gr_mpirun() gives the job its own session, a deadline and a trace file
 * (grader/mpi_trace.h) in which every rank notes the MPI call it is in.
 * When the deadline passes it reads what each rank was doing, kills the
 * whole job (mpirun and every rank: the ranks sit in process groups of
 * their own, so a process-group kill would miss them) and says whether
 * it was a deadlock, and where.  A stub's TODO(), a crash, a sanitizer
 * report, an MPI error and a leak each become one sentence too. */
#ifndef GRADER_MPIJOB_H
#define GRADER_MPIJOB_H

#include "grader.h"

struct gr_mpi_run {
    enum gr_outcome outcome; /* GR_OK also when the job left a problem */
    int status;              /* mpirun's exit status; -1 when stopped */
    int deadlock;            /* stopped, with every rank waiting in MPI */
    double wall;             /* seconds, mpirun's start-up included */
    char problem[1536];      /* the first problem as a sentence; "" if none */
    char out[16384];         /* what the ranks printed (rank 0's results) */
    char err[8192];          /* the end of what they wrote to stderr */
};

/* Run `ranks` ranks of this test's driver (<test binary>.mpi) with the
 * space-separated `args`, and stop the job after timeout_s (0: 10 s). */
struct gr_mpi_run gr_mpirun(int ranks, const char *args, double timeout_s);

/* The same for any MPI program. */
struct gr_mpi_run gr_mpirun_prog(const char *program, int ranks,
                                 const char *args, double timeout_s);

/* Fail the current test unless the job ran cleanly. */
#define gr_assert_mpi_clean(run, what)                                      \
    do {                                                                    \
        if ((run).problem[0])                                               \
            cr_assert_fail("%s: %s", (what), (run).problem);                \
    } while (0)

/* ---- speedup, judged inside one job ------------------------------- */

/* The method of gr_judge_speedup() (grader.h), carried over to MPI: the
 * driver's grh_speedup() runs interleaved rounds of the calibration
 * kernel on 1 rank and on all, the sequential reference and the learner's
 * version, in one job, and this judges the medians.  The kernel's
 * speedup K is what the machine gives `ranks` ranks right now; the
 * learner's speedup S must reach pass_mark * K, and its CPU time must
 * show that more than one core worked.  Skipped on one usable core, and
 * as inconclusive when K stays below 1 + 0.3(N - 1) in three jobs.  A
 * job judged too slow is measured once more before the test fails: a
 * busy machine delays messages more than it delays arithmetic.  A
 * failure also names the cause most rounds show, from each rank's time in
 * the learner's call and the part of it blocked in MPI calls (the
 * harness's "rank" lines): one rank did the work, the master did it, or
 * the ranks' shares were uneven. */
struct gr_mpi_speedup {
    const char *args;   /* driver arguments that start grh_speedup(); the
                           number of rounds is appended */
    int ranks;          /* 0: the usable cores */
    int rounds;         /* 0: 5 */
    double pass_mark;   /* 0: 0.75 */
    double timeout_s;   /* per job; 0: 60 */
    const char *what;   /* e.g. "mw_count_primes(0, 1500000, 10000)" */
    int master;         /* 1: rank 0 is a master that hands out the work
                           (a failure then names it when it kept the work) */
    const char *program; /* NULL: this test's own driver (NAME.mpi); the
                            grader's self-tests name theirs */
};

enum gr_verdict gr_judge_mpi_speedup(const struct gr_mpi_speedup *s,
                                     char *msg, size_t n);

#define gr_assert_mpi_speedup(s)                                            \
    gr_assert_verdict(gr_judge_mpi_speedup((s), gr_msg_, sizeof gr_msg_))

#endif
