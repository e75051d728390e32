/* harness.h: the rank side of an MPI exercise's tests.
 *
 * An MPI exercise is graded through a driver, tests/NN-slug/NAME.mpi.c,
 * built with mpicc next to the Criterion binary and run under mpirun by
 * grader/mpijob.c.  The driver starts MPI with grh_init(), calls the
 * learner's function on every rank, and after each call lets grh_settle()
 * check what a sandbox would check: that every rank returned, that no
 * message was left unreceived, that no memory leaked.  grh_speedup()
 * measures a speedup inside one job, so mpirun's start-up (a third of a
 * second) is paid once and stays out of the numbers.
 *
 * The harness also wraps the blocking MPI calls (PMPI profiling
 * interface) to record what each rank is doing: see grader/mpi_trace.h. */
#ifndef GRADER_MPI_HARNESS_H
#define GRADER_MPI_HARNESS_H

#include <stddef.h>

/* MPI_Init for the driver.  Returns this rank; grh_size() the ranks. */
int grh_init(int *argc, char ***argv);
int grh_size(void);

/* Say what this rank is doing now ("in mw_count_primes(0, 100, 7)"),
 * for the report the grader writes when the job hangs. */
void grh_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* After the learner's call `what` returned on this rank: wait (asleep)
 * until it returned on every rank, then check that no message is left
 * unreceived and no memory leaked.  A leftover message ends the job with
 * a "[grader-mpi] " line the grader reports. */
void grh_settle(const char *what);

/* A barrier that sleeps instead of spinning: waiting ranks leave the
 * cores to the ranks that work. */
void grh_wait_all(void);

/* MPI_Finalize and leave (with _exit: Open MPI's plugins are unloaded by
 * then, and LeakSanitizer's exit-time report would only blame them). */
_Noreturn void grh_finish(void);

/* A speedup measured inside one job, in interleaved rounds of four
 * steps: the calibration kernel on rank 0 alone and on every rank, the
 * sequential reference on rank 0 alone (the others sleep), and the
 * learner's parallel version on every rank.  Rank 0 prints one line per
 * round, which grader/mpijob.c judges:
 *   round <k1 s> <kN s> <seq s> <par s> <par cpu/wall> <kN cpu/wall> <same>
 * `same` is 1 when the parallel result equals the reference's.  Before
 * each round line come the ranks' own figures in the learner's step:
 *   rank <r> <pid> <s until it returned> <s blocked in MPI calls> <CPU s>
 *        <CPU s inside blocking MPI calls> */
typedef void (*grh_fn)(void *arg, void *out);
struct grh_speedup {
    grh_fn sequential; /* run on rank 0 only */
    grh_fn parallel;   /* run on every rank; rank 0's out is compared */
    void *arg;
    size_t out_size;
    int rounds;
    const char *what;  /* for the phase, e.g. "mw_count_primes(...)" */
    int kernel_chunks; /* 0: the kernel on N ranks is N equal shares; else
                          rank 0 hands out that many chunks of it on
                          request, as a master does (for master/worker
                          code, whose requests a busy machine delays) */
};
void grh_speedup(const struct grh_speedup *s);

#endif
