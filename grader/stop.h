/* stop.h: when a speedup judge may stop before its last round, for
 * speedup.c and the MPI jobs alike (grader/mpi/harness.c decides in the
 * job, grader/mpijob.c checks the rounds the job printed).
 *
 * A round counts only on a machine fit to judge it.  Two ways to stop:
 * - clear by far: from the second round, every round so far at least
 *   GR_EARLY_CLEAR under the pass mark, or GR_EARLY_CLEAR_HIGH over it;
 * - decided: more than half of the planned rounds already at least
 *   GR_EARLY_MARGIN beyond the mark on one side.  The median of the
 *   per-round scores then stays on that side whatever the rounds left
 *   would measure, so running them could not change it.  (The judge's
 *   score is a ratio of medians, not a median of the rounds' scores: the
 *   margin allows for the difference, and tools/fairness.py measures the
 *   rule as a whole.)  A solution near the mark used to run every round
 *   of 5; now it stops at 3.
 * GRADER_EARLY=0 (gr_early()) turns both off, for tools/fairness.py,
 * and with them gr_early_clear_low(). */
#ifndef GRADER_STOP_H
#define GRADER_STOP_H

#define GR_EARLY_CLEAR 0.2
#define GR_EARLY_MARGIN 0.05
/* Over the mark, 0.16 is enough: in a fit round, the reference had 85% of
 * a core or more and the kernel reached its bar, 1.3x on 2 cores, so code
 * no faster than the reference, on cores that do equal work per second of
 * CPU, scores at most (1 / 0.85) / 1.3 = 0.905, under the default mark's
 * 0.75 + 0.16.  A correct solution with one round between 0.91 and 0.95
 * used to run a third (docs/data/fairness-clear-high.dat measures the
 * rule). */
#define GR_EARLY_CLEAR_HIGH 0.16

/* A failing round in which the code ran at most GR_NO_GAIN times as fast
 * as the reference (S) counts as clear by far under the mark, whatever
 * the kernel reached: on 2 cores a sequential version scores 1/K, 0.52 to
 * 0.57, about the 0.55 that GR_EARLY_CLEAR asks, and was often measured
 * in 2 sets of 3 rounds where 1 set of 2 decides
 * (docs/data/fairness-no-gain.dat).  A round at or above the mark less
 * GR_EARLY_MARGIN keeps its score: under a pass mark lowered
 * (GRADER_SPEEDUP_PASS), no gain can be a pass.  The round's score for
 * the rule: */
#define GR_NO_GAIN 1.1

/* A round whose code ran on one core at a time: its CPU time at most 1.1
 * times its wall time, where the calibration kernel's N-worker run
 * reached 1 + 0.8 (N - 1) in the same round, so the cores were there. */
static inline int gr_on_one_core(double par_cpu, double kn_cpu, int eff)
{
    return par_cpu <= 1.1 && kn_cpu >= 1 + 0.8 * (eff - 1);
}

/* A failing round on one core counts as no gain too, whatever S: what it
 * gained over the reference came from its own code being faster on one
 * core, not from workers (reduction's caller-sums mutant, which sums in
 * the caller, ran 1.15x the reference's speed there and scored 0.61 and
 * 0.63, measured in 2 sets of 4 rounds: 8 s, where 1 set of 2 decides;
 * docs/data/fairness-one-core.dat).  A parallel version on cores that
 * other programs took is slowed to one core's speed, S about 1 or less:
 * no gain already.  (The MPI judge passes one_core 0: its job decides
 * its stops without the CPU times.) */
static inline int gr_gained_nothing(double S, int one_core)
{
    return S <= GR_NO_GAIN || one_core;
}

static inline double gr_stop_score(double score, double S, int one_core, double pass)
{
    int no_gain = gr_gained_nothing(S, one_core) && score <= pass - GR_EARLY_MARGIN;
    return no_gain && score > pass - GR_EARLY_CLEAR ? pass - GR_EARLY_CLEAR : score;
}

/* A failing round in which the learner's run used more than GR_SHARED_CPU
 * times the reference's CPU time is also what two vCPUs sharing one
 * physical core look like: each worker then runs at half speed, its CPU
 * time still counted, while the judge's chain of multiplications hardly
 * slows.  A primes_pipes solution was failed so, once in a dozen runs of
 * make test: 0.95x beside the chain's 1.84x, with 1.9x the reference's
 * CPU time, in both rounds of one set, all "clear by far"; the same seed
 * then passed 4 runs of 4.  Such a round (1 here) is checked with a
 * kernel of the test's kind of work (speedup.c) before it may count. */
#define GR_SHARED_CPU 1.4

static inline int gr_check_work(double score, double pass, double par_cpu_s,
                                double seq_cpu_s)
{
    return score < pass && par_cpu_s > GR_SHARED_CPU * seq_cpu_s;
}

struct gr_early_stop {
    int n, high, low, over, under;
};

/* Adds one round; 1 when the rounds so far allow a stop. */
static inline int gr_early_stop_round(struct gr_early_stop *s, double score,
                                      int fit, double pass, int planned)
{
    if (s->n++ == 0)
        s->high = s->low = 1;
    s->high &= fit && score >= pass + GR_EARLY_CLEAR_HIGH;
    s->low &= fit && score <= pass - GR_EARLY_CLEAR;
    s->over += fit && score >= pass + GR_EARLY_MARGIN;
    s->under += fit && score <= pass - GR_EARLY_MARGIN;
    return (s->n >= 2 && (s->high || s->low)) || 2 * s->over > planned ||
           2 * s->under > planned;
}

/* 1 when the rounds stopped as clear by far below the mark.  The judges
 * measure a failure twice, as a burst of load can pull one set of rounds
 * under the mark; such a burst also slows the calibration kernel, so the
 * rounds it spoils are unfit and never count here.  A set in which every
 * fit round scored GR_EARLY_CLEAR or more under the mark is final: a
 * sequential impostor then fails in one set, not two
 * (docs/data/fairness-clear.dat compares the two rules). */
static inline int gr_early_clear_low(const struct gr_early_stop *s)
{
    return s->n >= 2 && s->low;
}

/* Two more failures that need no second set (gr_judge_speedup), where
 * every fit round of the first showed them by far, as clear_low does a
 * score under the mark:
 * - far too fast: S over twice the 1.25 x N that N workers can give the
 *   reference's method: a different algorithm (a sieve here, 25x);
 * - on one core: the code's CPU time at most 1.1 times its wall time,
 *   where the calibration kernel's reached 1 + 0.8 (N - 1) in the same
 *   round: fast, but not parallel (2 sets of 3 rounds each before).
 * A parallel version of the reference's method can show neither, loaded
 * or not: load lowers its speed and its CPU share only where it lowers
 * the kernel's too, and such rounds are unfit.  Both flags start at 1
 * and only fall. */
static inline void gr_final_kind(int *far_fast, int *one_core, int fit, double S,
                                 double par_cpu, double kn_cpu, int eff)
{
    *far_fast &= fit && S > 2 * 1.25 * eff;
    *one_core &= fit && gr_on_one_core(par_cpu, kn_cpu, eff);
}

/* A failure must be seen twice (gr_judge_speedup), in one direction:
 * under the mark (too slow, not parallel, the work in the caller) or over
 * what N workers can give (too fast, a different algorithm).  Code cannot
 * be both, so a set of each is the machine, not the code: on the Intel
 * VM, reduction's uneven-split mutant failed one set under the mark and
 * the next at 2.75x, medians of 5 rounds, where two workers give it at
 * most 1.25x; it was failed as "a different algorithm" (make test at
 * 9f13b98), and the set that would have named its imbalance was outvoted.
 * A final set (gr_early_clear_low(), gr_final_kind()) counts twice.
 * 1: the verdict is a failure. */
static inline int gr_failed_twice(int count[2], int over, int final)
{
    count[over != 0] += final ? 2 : 1;
    return count[over != 0] >= 2;
}

#endif
