/* diagnose.c: why was a parallel run slow?  Read from the sampler's
 * record (sampler.h): who used the CPU time, who ran at the same time as
 * whom, who finished early, and when the first worker started.
 *
 * The thresholds sit between the figures that grader/tests/sampler.c
 * measures for synthetic runs of each kind on this machine, kept in
 * docs/data/diagnose.dat (the guide explains them).  A sound two-worker
 * run has overlap near 1, a top share near 0.5 and both workers ending
 * near the end; each flaw moves one figure far past its threshold. */
#define _GNU_SOURCE
#include "sampler.h"

#include <stdio.h>
#include <string.h>

/* Thresholds (see docs/data/diagnose.dat for the measured figures). */
#define CALLER_MOST 0.60  /* the caller's share of all CPU time */
#define TOP_MOST 0.95     /* the busiest worker's share of the workers' */
#define OVERLAP_LEAST 0.25 /* columns with 2+ workers on a CPU at once */
#define EARLY_END 0.85    /* a worker's last CPU use before this share ... */
#define LATE_END 0.90     /* ... while another ran past this one */
#define EARLY_CPU 0.85    /* ... having done less than this share of the
                             mean worker's CPU time (a static split of
                             primes on 2 workers: 0.75-0.77, measured on
                             the prime_threads--static-split mutant;
                             balanced pairs: 0.99) */
#define START_LATEST_S 0.10 /* the first worker later than this ... */
#define START_SHARE 0.20  /* ... and later than this share of the run */
#define CPU_RATIO_MOST 1.50 /* all CPU over the sequential reference's */

const char *gr_cause_name(enum gr_cause c)
{
    static const char *names[] = { "none", "wrong place", "one worker",
                                   "serialised", "imbalance", "start-up",
                                   "busy-waiting" };
    return c <= GR_CAUSE_BUSY ? names[c] : "?";
}

/* A failure whose verdict was clear by far stops after two rounds, and
 * a short run's record is coarse: the two workers of
 * reduction--lock-around-work, which take turns under one lock, were
 * seen running at once in 0% to 24% of the time in 132 rounds here,
 * close to the bar of 25%, and in two fresh-clone make tests one of its
 * two rounds went over it and the failure named no cause.  So a failure
 * names the cause of half its rounds; a pass's advice, which nothing
 * forces, still needs most. */
enum gr_cause gr_cause_of_rounds(const int count[], int rounds, int failed)
{
    int best = GR_CAUSE_NONE, tie = 0; /* rounds with no cause do not compete */
    for (int c = GR_CAUSE_NONE + 1; c <= GR_CAUSE_BUSY; c++) {
        if (count[c] > 0 && (best == GR_CAUSE_NONE || count[c] > count[best]))
            best = c, tie = 0;
        else if (best != GR_CAUSE_NONE && count[c] == count[best])
            tie = 1;
    }
    if (best == GR_CAUSE_NONE || tie)
        return GR_CAUSE_NONE;
    int shown = failed ? 2 * count[best] >= rounds : 2 * count[best] > rounds;
    return shown ? (enum gr_cause)best : GR_CAUSE_NONE;
}

/* Per-worker figures; workers are numbered 1, 2, ... in birth order. */
static void shares(const struct gr_record *r, struct gr_findings *f)
{
    double all = 0, work = 0, top = -1;
    f->early_end = 2, f->late_end = -1, f->first_start_s = -1;
    int number = 0;
    for (int i = 0; i < r->ntasks; i++) {
        const struct gr_task *k = &r->task[i];
        all += k->cpu;
        if (k->tid == r->root) {
            f->caller_share = k->cpu;
            continue;
        }
        work += k->cpu;
        if (!gr_record_is_worker(r, i))
            continue;
        number++;
        double end = (k->last_run >= 0 ? k->last_run : k->born) / r->length;
        if (k->cpu > top)
            top = k->cpu, f->top = number;
        if (end < f->early_end)
            f->early_end = end, f->early = number, f->early_cpu = k->cpu;
        f->late_end = end > f->late_end ? end : f->late_end;
        if (f->first_start_s < 0 || k->born < f->first_start_s)
            f->first_start_s = k->born;
    }
    f->workers = number;
    f->caller_share = all > 0 ? f->caller_share / all : 0;
    f->top_share = work > 0 && top >= 0 ? top / work : 0;
    f->early_cpu = number && work > 0 ? f->early_cpu / (work / number) : 1;
}

/* Of the columns where two or more workers were alive, the share where
 * two or more were on a CPU or waiting for one (not asleep); 0 when no
 * two workers were ever alive at once (a fork, a wait, the next fork). */
static double overlap(const struct gr_record *r, int *together)
{
    int alive2 = 0, busy2 = 0;
    for (int c = 0; c < r->ncols; c++) {
        int alive = 0, busy = 0;
        for (int i = 0; i < r->ntasks; i++) {
            if (!gr_record_is_worker(r, i) || r->state[i][c] == GR_ST_GONE)
                continue;
            alive++;
            busy += r->state[i][c] == GR_ST_RUN || r->state[i][c] == GR_ST_WAIT;
        }
        alive2 += alive >= 2;
        busy2 += alive >= 2 && busy >= 2;
    }
    *together = alive2;
    return alive2 ? (double)busy2 / alive2 : 0; /* never two alive at once */
}

static enum gr_cause classify(const struct gr_findings *f, const struct gr_record *r)
{
    if (f->caller_share > CALLER_MOST)
        return GR_CAUSE_WRONG_PLACE;
    if (f->workers >= 1 && f->top_share > TOP_MOST)
        return GR_CAUSE_ONE_WORKER;
    if (f->workers >= 2 && r->ncols >= 20 && f->overlap < OVERLAP_LEAST)
        return GR_CAUSE_SERIAL;
    /* Ending early with a fair share of the CPU time is the scheduler's
     * doing (a busy machine ran that worker first), not the split's. */
    int uneven = f->workers >= 2 && f->early_end < EARLY_END &&
                 f->late_end > LATE_END && f->early_cpu < EARLY_CPU;
    int late = f->first_start_s > START_LATEST_S &&
               f->first_start_s > START_SHARE * r->length;
    /* Both can hold: after a late start the work is a short span, where
     * a slow virtual CPU alone can leave one worker with 75% of the
     * other's CPU time (reduction--late-start: 3 rounds in 16 here).
     * Name the one that cost the run more: a late start wastes all its
     * time, an uneven split the gap between the two ends. */
    double gap_s = (f->late_end - f->early_end) * r->length;
    if (uneven && !(late && f->first_start_s > gap_s))
        return GR_CAUSE_IMBALANCE;
    if (late)
        return GR_CAUSE_STARTUP;
    if (f->cpu_ratio > CPU_RATIO_MOST)
        return GR_CAUSE_BUSY;
    return GR_CAUSE_NONE;
}

static void say(enum gr_cause c, const struct gr_findings *f, char *buf, size_t n)
{
    switch (c) {
    case GR_CAUSE_WRONG_PLACE:
        snprintf(buf, n, "the caller itself used %.0f%% of the CPU time and "
                 "its workers %.0f%%: the work ran in the caller, not in the "
                 "workers", 100 * f->caller_share, 100 * (1 - f->caller_share));
        break;
    case GR_CAUSE_ONE_WORKER:
        snprintf(buf, n, "worker %d used %.0f%% of the workers' CPU time: "
                 "one worker did the work while the others had almost none",
                 f->top, 100 * f->top_share);
        break;
    case GR_CAUSE_SERIAL:
        if (f->together == 0)
            snprintf(buf, n, "no two of its %d workers were alive at the same "
                     "moment: each started after the one before had finished "
                     "(a wait inside the loop that starts them?)", f->workers);
        else
            snprintf(buf, n, "two workers ran at the same moment in only "
                     "%.0f%% of the time two were alive: they take turns (a "
                     "lock held around the work?)", 100 * f->overlap);
        break;
    case GR_CAUSE_IMBALANCE:
        snprintf(buf, n, "worker %d finished at %.0f%% of the run with "
                 "%.0f%% of a fair share of the CPU time, another ran to "
                 "%.0f%%: the work is not split evenly (a static split? "
                 "chapter 2 shows a dynamic one)", f->early,
                 100 * f->early_end, 100 * f->early_cpu, 100 * f->late_end);
        break;
    case GR_CAUSE_STARTUP:
        snprintf(buf, n, "the first worker started %.0f ms after the call: "
                 "start-up cost before any work ran in parallel",
                 1e3 * f->first_start_s);
        break;
    case GR_CAUSE_BUSY:
        snprintf(buf, n, "the run used %.1fx the CPU time of the sequential "
                 "version: workers spin or contend (busy-waiting, or a "
                 "shared counter or lock on every step?)", f->cpu_ratio);
        break;
    default:
        snprintf(buf, n, "%s", "");
    }
}

enum gr_cause gr_diagnose(const struct gr_record *r, double seq_cpu,
                          struct gr_findings *out, char *buf, size_t n)
{
    struct gr_findings f = { 0 };
    if (r->length > 0 && r->ntasks > 0) {
        shares(r, &f);
        f.overlap = overlap(r, &f.together);
        double all = 0;
        for (int i = 0; i < r->ntasks; i++)
            all += r->task[i].cpu;
        f.cpu_ratio = seq_cpu > 0 ? all / seq_cpu : 0;
    }
    enum gr_cause c = r->length > 0 && r->ntasks > 0 ? classify(&f, r)
                                                     : GR_CAUSE_NONE;
    if (out)
        *out = f;
    if (buf && n)
        say(c, &f, buf, n);
    return c;
}
