/* mpi_trace.h: what each rank of a graded MPI job is doing, in a file
 * the grader can read when the job hangs.
 *
 * The test driver of an MPI exercise is linked with grader/mpi/harness.c,
 * which wraps the blocking MPI calls through MPI's profiling interface
 * (every MPI_X is also callable as PMPI_X, so a program may define its
 * own MPI_X around it).  Each wrapper notes the call and its peer in the
 * rank's slot of a shared file named by $GR_MPI_TRACE.  When the job
 * overruns, grader/mpijob.c reads the slots twice and can tell a deadlock
 * (every rank blocked in MPI) from code that is merely slow.  This header
 * is plain C: the grader's side never includes <mpi.h>. */
#ifndef GRADER_MPI_TRACE_H
#define GRADER_MPI_TRACE_H

#define GR_MPI_TRACE_ENV "GR_MPI_TRACE"
/* "<pass mark> <kernel bar>": a speedup job's rounds stop by speedup.c's
 * rule (stop.h); unset (GRADER_EARLY=0), every round runs.
 * grader/mpijob.c checks the rule again on the rounds it reads. */
#define GR_MPI_STOP_ENV "GR_MPI_STOP"

#include "stop.h"

/* A round on a machine fit to judge it: the kernel reached the bar, and
 * the one-rank steps got 85% of a core (k1_own, seq_own).  t: k1, kN,
 * seq, par. */
static inline int gr_mpi_round_fit(const double t[4], double k1_own, double seq_own,
                                   double bar)
{
    return t[0] / t[1] >= bar && k1_own >= 0.85 && seq_own >= 0.85;
}

/* One round's share in that rule, for the job and the judge alike: its
 * score, where the round is fit.  1: stop. */
static inline int gr_mpi_stop_round(struct gr_early_stop *st, const double t[4],
                                    double k1_own, double seq_own,
                                    double pass, double bar, int planned)
{
    double K = t[0] / t[1], score = t[2] / t[3] / K;
    int fit = gr_mpi_round_fit(t, k1_own, seq_own, bar);
    return gr_early_stop_round(st, gr_stop_score(score, t[2] / t[3], 0, pass), fit, pass, planned);
}
#define GR_MPI_MAX_RANKS 256
#define GR_MPI_ANY (-1)  /* MPI_ANY_SOURCE or MPI_ANY_TAG */
#define GR_MPI_NONE (-3) /* no peer, tag or root for this call */
#define GR_MPI_SPANS 64  /* blocking calls kept per rank for make trace */

enum gr_mpi_op {
    GR_OP_NONE,
    /* point to point: peer is the destination */
    GR_OP_SEND, GR_OP_SSEND, GR_OP_RSEND, GR_OP_BSEND,
    /* peer is the source */
    GR_OP_RECV, GR_OP_SENDRECV, GR_OP_PROBE, GR_OP_MPROBE,
    /* polling: returns at once, so never "blocked" */
    GR_OP_IPROBE, GR_OP_TEST, GR_OP_TESTALL, GR_OP_TESTANY,
    /* completion of non-blocking calls */
    GR_OP_WAIT, GR_OP_WAITALL, GR_OP_WAITANY, GR_OP_WAITSOME,
    /* collectives: root where there is one */
    GR_OP_BARRIER, GR_OP_BCAST, GR_OP_REDUCE, GR_OP_ALLREDUCE,
    GR_OP_SCATTER, GR_OP_SCATTERV, GR_OP_GATHER, GR_OP_GATHERV,
    GR_OP_ALLGATHER, GR_OP_ALLGATHERV, GR_OP_ALLTOALL, GR_OP_SCAN,
    GR_OP_EXSCAN, GR_OP_REDUCE_SCATTER_BLOCK,
    GR_OP_FINALIZE,
    GR_OP_COUNT_
};

/* One rank's slot.  Written by that rank only, read by the grader while
 * the job runs: every field is a plain word, good enough for a report. */
struct gr_mpi_slot {
    volatile int pid;      /* 0: this rank never reached MPI_Init */
    volatile int op;       /* enum gr_mpi_op: the current or last call */
    volatile int in_call;  /* 1 while inside a blocking call */
    volatile int peer, tag, root;
    volatile long count;   /* elements sent or expected */
    volatile unsigned long calls; /* MPI calls made so far */
    volatile int sent_to, sent_tag; /* the last send's destination, tag */
    volatile double since; /* CLOCK_MONOTONIC seconds at the call's start */
    char phase[160];       /* what the driver says this rank is doing */
    /* Rank 0's slot only: CLOCK_MONOTONIC seconds at the start and end of
     * the learner's version in a speedup job's first round, when all
     * ranks run it: the grader's sampler records that window (make trace). */
    volatile double window[2];
    /* Every rank, during that window: its blocking MPI calls, as
     * CLOCK_MONOTONIC start and end (the first GR_MPI_SPANS of them), so
     * that make trace can show a rank that waits in MPI, where Open MPI
     * spins, as waiting rather than running. */
    volatile int nspans;
    volatile double span[GR_MPI_SPANS][2];
};

#define GR_MPI_TRACE_SIZE (GR_MPI_MAX_RANKS * sizeof(struct gr_mpi_slot))

#endif
