/* speedup.c: is the learner's parallel version really faster, judged
 * against what this machine can deliver right now?
 *
 * A fixed bar ("2x on 2 cores") fails good code whenever the machine is
 * shared.  So every round runs four things back to back: a calibration
 * kernel (perfectly divisible arithmetic) on 1 worker and on N workers,
 * the sequential reference, and the learner's version.  The kernel's
 * speedup K is what the machine gives; the learner's speedup S is judged as
 * S / K.  Rounds are interleaved and medians taken, so a burst of load
 * hits both sides.  Measured on 2 cores: a parallel solution scores about
 * 1.0 idle and 0.8-1.1 beside a CPU hog; a sequential impostor 0.5-0.63.
 * When K itself stays below 1 + 0.3(N-1), or a one-worker run gets less
 * than 85% of a core (so K or S is inflated), the machine is too busy to
 * tell the two apart, and the test retries and finally skips, never
 * guesses.  A failing score is measured again, and only a second failure
 * fails: a good solution can dip once, an impostor fails every time.
 * (A set whose every round showed the failure by far is final: stop.h.)
 * The judge has an upper bound too: more than 1.25 x N faster than the
 * reference is a different algorithm, not parallelism.  And where the
 * contract says child processes do the work (children_work), the
 * caller's own share of the CPU time is judged apart from theirs. */
#define _GNU_SOURCE
#include "grader.h"

#include "sampler.h"
#include "stop.h"
#include "timing.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ROUNDS = 15, ATTEMPTS = 3 };

/* The caller's most share of the CPU time where children do the work.
 * Measured on 2 busy cores: the primes_pipes and prefork solutions'
 * callers (fork, read pipes, wait) used 1%; a parent that counts beside
 * decoy children (the counts-in-parent mutant), 24% to 57%. */
#define CALLER_SHARE 0.15

/* Where a test gives a kernel of its own work (gr_speedup.kernel_step), a
 * round counts only if that kernel got this share of the chain kernel's
 * speedup (grader.h; docs/data/fairness-work-kernel.dat); so does a
 * round that the divisions check (divisions() below). */
#define WORK_SHARE 0.85

/* What a parallel version looks like in those moments (below): reduction's
 * solution ran at 0.95x to 1.07x the reference's speed there, with 1.3 to
 * 1.9 times its CPU time.  Code that runs on one core at a time (one
 * worker, a lock around the work, a late start, the caller doing the
 * sum) uses about its wall time in CPU, a shared atomic counter ran at
 * 0.07x to 0.14x, and false sharing at 0.54x to 0.75x with both cores
 * busy (docs/data/false-sharing-sets.dat): slower than any such moment
 * made the solution, so their slow sets fail.  (At 0.6, false sharing's
 * slow sets at 0.62x to 0.72x were let off as moments, in 4 runs of 20.) */
#define MOMENT_CPU 1.2    /* CPU time / wall time of the learner's runs */
#define MOMENT_SPEED 0.75 /* its speed / the reference's */

struct kernel {
    uint64_t iters;
    int workers;
    uint64_t (*step)(uint64_t); /* kernel_step, check_step or divide_step; NULL: the chain */
};

struct share {
    uint64_t n, x;
    uint64_t (*step)(uint64_t);
};

static void *spin(void *arg)
{
    struct share *s = arg;
    uint64_t x = s->n;
    if (s->step)
        for (uint64_t i = 0; i < s->n; i++) /* the test's own kind of work */
            x += s->step(i);
    else
        for (uint64_t i = 0; i < s->n; i++) /* a dependent chain: no shortcuts */
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s->x = x;
    return NULL;
}

static void kernel_run(void *arg, void *out)
{
    const struct kernel *k = arg;
    pthread_t tid[256];
    struct share share[256];
    int n = k->workers < 256 ? k->workers : 256, started = 0;
    for (int i = 0; i < n; i++) {
        share[started] = (struct share){ k->iters / (uint64_t)n, 0, k->step };
        started += pthread_create(&tid[started], NULL, spin, &share[started]) == 0;
    }
    uint64_t sum = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(tid[i], NULL);
        sum += share[i].x;
    }
    *(uint64_t *)out = sum;
}

struct sample {
    double wall, cpu;
    double own; /* the caller's share of the CPU time, children apart */
};

/* A verdict under construction: the first failure wins. */
struct judging {
    enum gr_verdict v;
    char *msg;
    size_t n;
};

static void reject(struct judging *j, enum gr_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reject(struct judging *j, enum gr_verdict v, const char *fmt, ...)
{
    if (j->v != GR_PASS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->msg, j->n, fmt, ap);
    va_end(ap);
    j->v = v;
}

/* The learner's runs, and the grader's own (the kernels, the reference),
 * which need no task budget (grader.h); both are timed from inside the
 * sandbox's child, so what the sandbox does around a call is not. */
static const struct gr_limits timing_limits[2] = {
    { .timeout_s = 60, .no_leak_check = 1, .max_forks = 4096 },
    { .timeout_s = 60, .no_leak_check = 1, .max_forks = 4096, .grader_code = 1 },
};

/* One timed run in the sandbox; a crash or hang becomes the verdict. */
static struct sample run_timed(struct judging *j, int grader_code, gr_fn fn, void *arg,
                               void *out, size_t size, const char *what)
{
    if (j->v != GR_PASS)
        return (struct sample){ 1, 1, 1 };
    struct gr_run r = gr_run_fn(fn, arg, out, size, &timing_limits[grader_code]);
    if (r.outcome != GR_OK)
        reject(j, GR_FAIL, "%s: %s", what, r.problem);
    double all = r.self_cpu + r.children_cpu;
    return (struct sample){ r.wall, r.user + r.sys, all > 0 ? r.self_cpu / all : 1 };
}

#define timed(j, ...) run_timed(j, 1, __VA_ARGS__)   /* the grader's code */
#define learner(j, ...) run_timed(j, 0, __VA_ARGS__) /* the learner's */

static double env_double(const char *name, double fallback)
{
    const char *v = getenv(name);
    return v && *v ? atof(v) : fallback;
}

struct medians {
    int rounds;               /* how many the medians are of */
    double k1, kn, seq, par;  /* wall times */
    double par_cpu, kn_cpu;   /* CPU time / wall time of the N-worker runs */
    double k1_cpu, seq_cpu;   /* ... and of the one-worker runs */
    double par_own;           /* the caller's own share of the parallel CPU */
    int clear_low;            /* stopped clear by far under the mark (stop.h) */
    int far_fast, one_core;   /* every round far too fast; on one core (stop.h) */
    double kw;                /* its work kernel's speedup / K (1 where none ran) */
    int work_short;           /* rounds where that share was under WORK_SHARE */
};

static double share(struct sample x)
{
    return x.cpu / (x.wall > 0 ? x.wall : 1e-9);
}

/* How many sets were too busy to judge, and the last one's figures: the
 * chain kernel's speedup, the one-worker runs' share of a core, and the
 * work kernel's share of the chain's speedup (the skip names them). */
struct busy {
    int sets;
    double k, single, kw;
};

/* What the sampler saw in the learner's runs (sampler.h), over every
 * attempt's rounds: the cause named in most rounds, with the sentence of
 * the last round that named it. */
struct why {
    int rounds, count[GR_CAUSE_BUSY + 1];
    char said[GR_CAUSE_BUSY + 1][400];
};
static struct gr_record record;

static void note_cause(struct why *y, double seq_cpu)
{
    char clause[400];
    enum gr_cause c = gr_diagnose(&record, seq_cpu, NULL, clause, sizeof clause);
    y->rounds++;
    y->count[c]++;
    snprintf(y->said[c], sizeof y->said[c], "%s", clause);
}

/* "; in 4 of 5 rounds the record shows ...", or "" where the rounds
 * show no cause (gr_cause_of_rounds: most of them, or half for a
 * failure). */
static const char *cause_of(const struct why *y, int failed, char *buf, size_t n)
{
    enum gr_cause best = gr_cause_of_rounds(y->count, y->rounds, failed);
    buf[0] = '\0';
    const char *ex = strstr(gr_rerun(), "EX="); /* grade.py's re-run command */
    int len = ex ? (int)strcspn(ex + 3, " ") : 0;
    if (ex && !memchr(ex + 3, '/', (size_t)len)) /* not NN-slug/name */
        ex = NULL;
    if (best != GR_CAUSE_NONE)
        snprintf(buf, n, "; in %d of %d rounds the record shows %s: %s "
                 "(%s%.*s draws it)", y->count[best], y->rounds,
                 gr_cause_name(best), y->said[best],
                 ex ? "make trace EX=" : "make trace", len, ex ? ex + 3 : "");
    return buf;
}

/* Rounds stop early once the verdict is clear by a wide margin, or
 * decided by most of the planned rounds (stop.h), counting rounds on a
 * machine that could judge them (the kernel reached the bar, one-worker
 * runs got 85% of a core).  GRADER_EARLY=0 turns it off
 * (tools/fairness.py compares the two). */
struct bounds {
    double pass, bar;
    int eff; /* the workers the machine can run at once */
};

/* A kernel of the test's own kind of work (kernel_step, or the divisions
 * that check a suspect round) on 1 and on N workers: its speedup, or 0
 * where there is none. */
static double work_kernel(struct judging *j, const struct kernel w[2])
{
    if (!w[0].step)
        return 0;
    uint64_t sink;
    struct sample p = timed(j, kernel_run, (void *)&w[0], &sink, sizeof sink, "calibration");
    struct sample q = timed(j, kernel_run, (void *)&w[1], &sink, sizeof sink, "calibration");
    return p.wall / q.wall;
}

/* Where a test gives no kernel of its own work, the prime counts' kind
 * stands in: 64-bit divisions, which two hardware threads of one core
 * share one divider for.  It runs only in a round that gr_check_work()
 * (stop.h) finds suspect, and is sized from that round's reference (a
 * probe of 2^20 steps takes about 10 ms here). */
static uint64_t divide_step(uint64_t i)
{
    return (UINT64_C(100000000) + i) % (3 + (i & 8191));
}

static uint64_t kernel_iters(struct judging *j, double target_s,
                             uint64_t (*step)(uint64_t), uint64_t probe_iters);

static double divisions(struct judging *j, uint64_t (*step)(uint64_t),
                        uint64_t *iters, double target_s, int eff)
{
    step = step ? step : divide_step;
    if (!*iters)
        *iters = kernel_iters(j, target_s, step, 1u << 20);
    const struct kernel d[2] = { { *iters, 1, step }, { *iters, eff, step } };
    return work_kernel(j, d);
}

static struct medians measure(struct judging *j, const struct gr_speedup *s,
                              struct kernel k1, struct kernel kn,
                              const struct kernel wk[2], int rounds,
                              struct bounds bd, void *ref, void *got,
                              struct why *causes, const struct sample *first)
{
    double a[MAX_ROUNDS], b[MAX_ROUNDS], c[MAX_ROUNDS], d[MAX_ROUNDS],
        e[MAX_ROUNDS], f[MAX_ROUNDS], g[MAX_ROUNDS], h[MAX_ROUNDS], o[MAX_ROUNDS],
        p[MAX_ROUNDS];
    /* read only when round 1 already failed */
    a[0] = b[0] = c[0] = d[0] = e[0] = f[0] = g[0] = h[0] = o[0] = p[0] = 1;
    uint64_t sink, div_iters = 0;
    struct gr_early_stop stop = { 0 };
    int i = 0, far_fast = 1, one_core = 1, work_short = 0;
    while (i < rounds && j->v == GR_PASS) {
        struct sample x = timed(j, kernel_run, &k1, &sink, sizeof sink, "calibration");
        gr_sampler_arm(&record); /* sampled too: both sides bear its cost */
        struct sample y = timed(j, kernel_run, &kn, &sink, sizeof sink, "calibration");
        double kw = work_kernel(j, wk);
        struct sample z = i == 0 && first ? *first
                          : timed(j, s->sequential, s->sequential_arg, ref,
                                  s->out_size, "the sequential reference");
        gr_sampler_arm(&record); /* the learner's run only */
        struct sample w = learner(j, s->parallel, s->parallel_arg, got,
                                  s->out_size, s->what);
        if (j->v == GR_PASS)
            note_cause(causes, z.cpu);
        if (j->v == GR_PASS && memcmp(ref, got, s->out_size) != 0)
            reject(j, GR_FAIL, "%s: gave a different result from the "
                   "sequential reference during the speedup runs", s->what);
        a[i] = x.wall, b[i] = y.wall, c[i] = z.wall, d[i] = w.wall;
        e[i] = share(w), f[i] = share(y), g[i] = share(x), h[i] = share(z);
        o[i] = w.own;
        double K = x.wall / y.wall, S = z.wall / w.wall, score = S / K;
        int one = gr_on_one_core(e[i], f[i], bd.eff); /* stop.h */
        double judged = gr_stop_score(score, S, one, bd.pass);
        int suspect = !wk[0].step && gr_check_work(score, bd.pass, w.cpu, z.cpu);
        if (suspect && j->v == GR_PASS)
            kw = divisions(j, s->check_step, &div_iters, z.wall, bd.eff);
        /* how much of K the test's work got; 1 where no such kernel ran */
        p[i] = wk[0].step || suspect ? kw / K : 1;
        /* A round with no gain (stop.h) needs only its own kind of work to
         * have reached the bar itself: code of that kind would then have
         * gained at least that, and the VM's moments where two such loops
         * slow each other (docs/data/contention.dat) need not pass.  Not a
         * suspect round: the divisions ran after it, and a moment of
         * sharing that was ending could let them reach the bar. */
        int work_ok = p[i] >= WORK_SHARE ||
                      (wk[0].step && gr_gained_nothing(S, one) && kw >= bd.bar);
        work_short += wk[0].step && p[i] < WORK_SHARE;
        int fit = K >= bd.bar && g[i] >= 0.85 && h[i] >= 0.85 && work_ok;
        gr_final_kind(&far_fast, &one_core, fit, S, e[i], f[i], bd.eff); /* stop.h */
        i++;
        if (gr_early_stop_round(&stop, judged, fit, bd.pass, rounds) && gr_early())
            break;
    }
    int n = i > 0 ? i : 1, early = gr_early() && i >= 2;
    return (struct medians){ n, median(a, n), median(b, n), median(c, n),
                             median(d, n), median(e, n), median(f, n),
                             median(g, n), median(h, n), median(o, n),
                             gr_early() && gr_early_clear_low(&stop), early && far_fast,
                             early && one_core, median(p, n), work_short };
}

/* Size a kernel so that one worker takes target_s (0.05 s at least).
 * The chain gets KERNEL_SHARE of the reference's time: a round runs it
 * on 1 worker and on N beside one run of the reference and one of the
 * learner's code, and as long as the reference it took a third to a
 * half of every round.  The test's own work keeps the reference's length:
 * halved too, it found moments of contention in 2 of 30 judgings of
 * reduction's solution on an idle machine, against none in 60. */
#define KERNEL_SHARE 0.5
static uint64_t kernel_iters(struct judging *j, double target_s,
                             uint64_t (*step)(uint64_t), uint64_t probe_iters)
{
    struct kernel probe = { probe_iters, 1, step };
    uint64_t sink;
    struct sample t = timed(j, kernel_run, &probe, &sink, sizeof sink, "calibration");
    double per_iter = t.wall / (double)probe.iters;
    if (target_s < 0.05)
        target_s = 0.05;
    return (uint64_t)(target_s / (per_iter > 0 ? per_iter : 1e-9));
}

/* make trace (tools/trace.py): one sampled run of the learner's version,
 * beside one of the reference for its CPU time, written to `path` with
 * the diagnosis; the test then skips, as this judged nothing. */
static enum gr_verdict trace_once(const struct gr_speedup *s, const char *path,
                                  char *msg, size_t n)
{
    struct judging j = { GR_PASS, msg, n };
    char *ref = calloc(2, s->out_size ? s->out_size : 1), *got = ref + s->out_size;
    struct sample z = timed(&j, s->sequential, s->sequential_arg, ref,
                            s->out_size, "the sequential reference");
    gr_sampler_arm(&record);
    struct sample w = learner(&j, s->parallel, s->parallel_arg, got,
                              s->out_size, s->what);
    free(ref);
    if (j.v != GR_PASS)
        return j.v;
    char clause[400];
    enum gr_cause c = gr_diagnose(&record, z.cpu, NULL, clause, sizeof clause);
    FILE *f = gr_record_write(&record, path) == 0 ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "# run: %s, %d workers, %.3f s (the reference: %.3f s, "
                "%.3f s of CPU)\n# cause: %s: %s\n", s->what, s->workers,
                w.wall, z.wall, z.cpu, gr_cause_name(c),
                c == GR_CAUSE_NONE ? "no flaw stands out in this run" : clause);
        fclose(f);
    }
    snprintf(msg, n, "traced into %s: %s", path, f ? "done" : "could not write it");
    return GR_SKIP;
}

/* The skip where no attempt decided: every set was too busy to judge,
 * or one failed and the others were.  A failure must be seen twice, so
 * the second is a skip too.  It gives the busy sets' figures: the judged
 * set's met every bar, and a skip that gave them (the kernel at 1.85x
 * where 1.30x is needed, one-worker runs at 97% of a core where 85% is)
 * read as if they had fallen short. */
static void skip_as_busy(struct judging *j, const struct gr_speedup *s, struct busy b,
                         int failed_once, int eff, double bar)
{
    char failed[160] = "";
    if (failed_once)
        snprintf(failed, sizeof failed, "%s failed one set of rounds, and a failure "
                 "must be seen twice, but ", s->what);
    char own[256] = "";
    if (b.kw < WORK_SHARE)
        snprintf(own, sizeof own, "; the test's own kind of work%s got %.0f%% "
                 "of the kernel's speedup, %.0f%% is needed: cores that share "
                 "one physical core slow such work when both run",
                 s->kernel_step || s->check_step ? "" : " (divisions, as in counting primes)",
                 100 * b.kw, 100 * WORK_SHARE);
    reject(j, GR_SKIP, "skipped as inconclusive: %sthis machine %s too "
           "busy to judge %s (%sthe calibration kernel reached "
           "%.2fx on %d workers, %.2fx is needed; one-worker runs got "
           "%.0f%% of a core, 85%% is needed%s). Re-run when it is idle: %s",
           failed, failed_once ? "was" : "is", failed_once ? "the other sets" : "a speedup",
           failed_once && b.sets > 1 ? "in the last of them " : "", b.k, eff, bar,
           100 * b.single, own, gr_rerun());
}

enum gr_verdict gr_judge_speedup(const struct gr_speedup *s, char *msg,
                                size_t n)
{
    struct judging j = { GR_PASS, msg, n };
    msg[0] = '\0';
    int cores = usable_cores();
    if (cores < 2) {
        reject(&j, GR_SKIP, "skipped: only 1 usable core, so a speedup "
               "cannot be measured here; run it on a machine with 2 or more");
        return j.v;
    }
    const char *trace = getenv("GRADER_TRACE");
    if (trace && *trace)
        return trace_once(s, trace, msg, n);
    int workers = s->workers > 0 ? s->workers : 2;
    int eff = workers < cores ? workers : cores;
    int rounds = (int)env_double("GRADER_ROUNDS", s->rounds ? s->rounds : 5);
    rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
    double pass = env_double("GRADER_SPEEDUP_PASS",
                             s->pass_mark ? s->pass_mark : 0.75);
    double bar = 1 + 0.3 * (eff - 1);
    char *ref = calloc(2, s->out_size ? s->out_size : 1), *got = ref + s->out_size;
    /* The reference's first run sizes the kernels, and is the first
     * round's reference too: each call runs in a child forked afresh, so
     * there is nothing for a first run to warm.  Timed here, it took as
     * long as the next rounds' runs (0.111 s to 0.116 s against 0.111 s
     * to 0.119 s for workserver's, 0.114 s to 0.117 s against 0.114 s to
     * 0.126 s for primes_pipes', 3 runs each), and each judging saves a
     * run of the reference. */
    struct sample first = timed(&j, s->sequential, s->sequential_arg, ref,
                                s->out_size, "the sequential reference");
    uint64_t iters = kernel_iters(&j, KERNEL_SHARE * first.wall, NULL, 1u << 24);
    struct kernel k1 = { iters, 1, NULL }, kn = { iters, eff, NULL };
    /* A second kernel of the test's own work, where it gives one
     * (grader.h): it decides only whether a round can be judged. */
    uint64_t witers = s->kernel_step ? kernel_iters(&j, first.wall, s->kernel_step, 1u << 24) : 0;
    const struct kernel w[2] = { { witers, 1, s->kernel_step },
                                 { witers, eff, s->kernel_step } };
    int failures[2] = { 0, 0 }, passed = 0, unsure = 0; /* under, over (stop.h) */
    struct busy busy = { 0 }; /* the sets this machine was too busy to judge */
    /* Causes add up over the attempts: a verdict measured twice names
     * what most of its rounds showed, not only the last two. */
    struct why y = { 0 };
    char why[512];
    for (int attempt = 0; attempt < ATTEMPTS && j.v == GR_PASS; attempt++) {
        struct medians m = measure(&j, s, k1, kn, w, rounds,
                                   (struct bounds){ pass, bar, eff }, ref, got, &y,
                                   attempt == 0 ? &first : NULL);
        double Kw = m.kw, K = m.k1 / m.kn, S = m.seq / m.par, score = S / K;
        /* A one-worker run that did not get a whole core means other
         * programs took it: K (or S) would be inflated.  Measure again. */
        double single = m.k1_cpu < m.seq_cpu ? m.k1_cpu : m.seq_cpu;
        if (j.v != GR_PASS || K < bar || single < 0.85 ||
            (Kw < WORK_SHARE && !m.clear_low)) {
            busy = (struct busy){ busy.sets + 1, K, single, Kw };
            continue;
        }
        double need_cpu = 1 + 0.5 * (m.kn_cpu - 1);
        if (getenv("GRADER_VERBOSE")) /* for instructors tuning a test */
            fprintf(stderr, "speedup: %s: S %.2fx, K %.2fx, score %.2f, "
                    "CPU/wall %.2f (kernel %.2f), reference %.3f s, caller's "
                    "CPU share %.2f, %d rounds\n", s->what, S, K, score,
                    m.par_cpu, m.kn_cpu, m.seq, m.par_own, m.rounds);
        /* N workers cannot make the reference more than N times faster;
         * 1.25 x N leaves room for caches.  Beyond it the code runs a
         * different algorithm (a sieve), and speed proves no parallelism. */
        double most = 1.25 * eff;
        int too_fast = S > most;
        /* Where the children must do the work, the caller's own CPU time
         * must be a small part: a fast count in the parent beside children
         * that only burn CPU shows up here. */
        int caller_works = s->children_work && m.par_own > CALLER_SHARE;
        int slow = score < pass && !too_fast && !caller_works;
        if (score >= pass && m.par_cpu >= need_cpu && !too_fast && !caller_works) {
            passed = 1;
            msg[0] = '\0'; /* an earlier failure is outweighed */
            if (*cause_of(&y, 0, why, sizeof why)) { /* advice, not a fault */
                snprintf(msg, n, "%s: passed (score %.2f), but%s", s->what,
                         score, why + 1);
                fprintf(stderr, "grader advice: %s\n", msg); /* grade.py */
            }
            break;
        }
        /* Where the test's own kind of work fell short of the chain in a
         * round, this machine has moments when two such loops slow each
         * other (docs/data/contention-intel.dat), and they are shorter than
         * a round: the code's slow runs may be such moments, which the
         * kernel, run before them, cannot show.  Such a slow set, where
         * the code used the cores as a parallel version does there
         * (MOMENT_CPU, MOMENT_SPEED), stops the judging where a failure
         * would, but cannot fail it: the verdict
         * is then inconclusive (reduction's solution failed one make test
         * in four here, its slow rounds near 1x beside the work kernel's
         * 1.9x).  Measuring again instead let an uneven split pass 3 times
         * in 10 beside a half-time load (fairness-work-moments-retry.dat). */
        if (slow && m.work_short && m.par_cpu >= MOMENT_CPU && S >= MOMENT_SPEED)
            unsure += m.work_short;
        /* A failure must be seen twice: a burst of load during one set of
         * rounds can pull a good solution under the mark (the prefork
         * solution once scored 0.66 on a quiet machine, 0.87-0.94 in the
         * runs after), but a sequential version fails every time.  One
         * set whose every round was clear by far under it is enough
         * (stop.h, gr_early_clear_low). */
        int one_core = !too_fast && !caller_works && score >= pass;
        int final = (score < pass && m.clear_low) || (too_fast && m.far_fast) ||
                    (one_core && m.one_core);
        const char *twice = !final ? "measured twice"
                            : too_fast ? "each round over twice that"
                                       : "each round clear by far under the mark";
        struct judging once = { GR_PASS, msg, n };
        if (too_fast)
            reject(&once, GR_FAIL, "%s: a different algorithm, not "
                   "parallelism: with %d workers it ran %.2fx faster than the "
                   "sequential reference, more than %d workers can give "
                   "(at most 1.25 x %d = %.2fx; medians of %d interleaved "
                   "rounds, %s). Parallelise the reference's "
                   "method, as the contract asks",
                   s->what, workers, S, eff, eff, most, m.rounds, twice);
        else if (caller_works)
            reject(&once, GR_FAIL, "%s: the work ran in the wrong place: the "
                   "caller itself used %.0f%% of the CPU time and its "
                   "children %.0f%% (at most %.0f%% may be the caller's; "
                   "medians of %d rounds, %s): the child "
                   "processes must do the counting",
                   s->what, 100 * m.par_own, 100 * (1 - m.par_own),
                   100 * CALLER_SHARE, m.rounds, twice);
        else if (score < pass)
            reject(&once, GR_FAIL, "%s: not enough speedup: with %d workers it "
                   "ran %.2fx faster than the sequential reference, while a "
                   "calibration kernel reached %.2fx on this machine in the "
                   "same run (score %.2f, pass mark %.2f; medians of %d "
                   "interleaved rounds, %s)%s%s",
                   s->what, workers, S, K, score, pass, m.rounds, twice,
                   m.par_cpu < need_cpu ? ". Its CPU time was about its wall "
                   "time: the work ran on one core at a time" : "",
                   cause_of(&y, 1, why, sizeof why));
        else
            reject(&once, GR_FAIL, "%s: fast, but not parallel: its CPU time "
                   "was only %.2fx its wall time with %d workers, where the "
                   "calibration kernel reached %.2fx (%s); spread the work "
                   "over the workers%s",
                   s->what, m.par_cpu, workers, m.kn_cpu,
                   final ? "in each round" : "measured twice",
                   cause_of(&y, 1, why, sizeof why));
        if (gr_failed_twice(failures, too_fast, final)) {
            if (!unsure)
                j.v = GR_FAIL;
            break;
        }
    }
    free(ref);
    if (j.v == GR_FAIL || passed)
        return j.v;
    if (failures[0] && failures[1] && !unsure) {
        reject(&j, GR_SKIP, "skipped as inconclusive: %s failed one set of rounds "
               "under the mark and another faster than %d workers can give the "
               "reference's method: code cannot be both, so this machine's cores ran "
               "at different speeds in those sets. Re-run when it is idle: %s",
               s->what, eff, gr_rerun());
        return j.v;
    }
    if (unsure) {
        reject(&j, GR_SKIP, "skipped as inconclusive: %s was under the mark, "
               "but in sets where the test's own kind of work fell short of "
               "the calibration kernel (in %d rounds): on this machine two "
               "such loops slow each other at moments (cores that share one "
               "physical core), and its slow runs may have been such moments. "
               "Re-run when it is idle: %s", s->what, unsure, gr_rerun());
        return j.v;
    }
    skip_as_busy(&j, s, busy, failures[0] + failures[1], eff, bar);
    return j.v;
}
