/* sampler.h: what every task of a sandboxed call did, sampled from the
 * test process about every 2 ms (sampler.c), and what that says
 * about a slow parallel run (diagnose.c).
 *
 * The sampler is a thread of the grader, never of learner code: it reads
 * /proc/TID/schedstat (time on a CPU and time waiting for one, in ns, and
 * how many times the task was put on a CPU) and, for a task that slept,
 * /proc/TID/stat (S or D).  It is off unless a test arms it for the next
 * gr_start(); the speedup judge arms it for the learner's runs. */
#ifndef GRADER_SAMPLER_H
#define GRADER_SAMPLER_H

#include <stddef.h>
#include <sys/types.h>

#define GR_REC_TASKS 64   /* tasks recorded; later ones are only counted */
#define GR_REC_TICKS 4096 /* columns kept; a longer run halves the detail */

/* A task's state in one column: most of the column was spent ... */
enum {
    GR_ST_GONE = 0,    /* not born yet, or dead */
    GR_ST_RUN = 'R',   /* on a CPU */
    GR_ST_WAIT = 'W',  /* runnable, waiting for a CPU (the machine is busy) */
    GR_ST_SLEEP = 'S', /* asleep: a lock, a condition, a join, a pipe */
    GR_ST_IO = 'D',    /* in uninterruptible sleep (disk I/O) */
};

struct gr_task {
    int pid, tid;         /* its process and its own id */
    double born, died;    /* seconds into the record; died < 0: never seen
                             to end (alive when sampling stopped) */
    double cpu;           /* CPU seconds while sampled */
    double last_run;      /* seconds into the record of its last RUN column */
    long slices;          /* times the scheduler put it on a CPU (wake-ups
                             plus preemptions), while sampled */
    /* the sampler's own bookkeeping */
    int fd, stat_fd;
    unsigned long long run_ns, wait_ns, nslices;
};

struct gr_record {
    double start;         /* now_s() when sampling began */
    double length;        /* seconds sampled */
    double tick_s;        /* seconds per column */
    int ntasks, ncols, stride;
    int tasks_missed;     /* 1: more than GR_REC_TASKS tasks; some unseen */
    long samples;         /* sampling passes made */
    double sampler_cpu;   /* CPU seconds the sampling thread used */
    pid_t root;           /* the sandbox child: the caller */
    struct gr_task task[GR_REC_TASKS];
    unsigned char state[GR_REC_TASKS][GR_REC_TICKS];
};

/* The next gr_start() (or MPI job) samples into rec until it ends.  The
 * record stays in the test process; rec must outlive the call. */
void gr_sampler_arm(struct gr_record *rec);

/* Hooks in sandbox.c and mpijob.c: start sampling the tree of `root`
 * (with its pids cgroup directory when it has one, "" otherwise), and
 * stop.  Where `window` is given, the record covers only the learner's
 * call: from window[0] to window[1] (now_s() times that the sandbox child
 * writes around fn), not the sandbox's own set-up and checks. gr_sampler_end() is a no-op unless it samples `root`. */
void gr_sampler_begin(pid_t root, const char *cgroup,
                      const volatile double *window);
void gr_sampler_end(pid_t root);

/* Write a record as text for tools/trace.py and gnuplot: a header, one
 * "task" line per task, then one line per column of states. */
int gr_record_write(const struct gr_record *rec, const char *path);

/* Workers are every task but the caller's main thread; a task that used
 * under 2% of the workers' CPU time is a helper, not a worker. */
int gr_record_is_worker(const struct gr_record *rec, int i);

/* ---- diagnose.c ------------------------------------------------------ */

enum gr_cause {
    GR_CAUSE_NONE, GR_CAUSE_WRONG_PLACE, GR_CAUSE_ONE_WORKER,
    GR_CAUSE_SERIAL, GR_CAUSE_IMBALANCE, GR_CAUSE_STARTUP, GR_CAUSE_BUSY,
};

/* The figures the classes are read from. */
struct gr_findings {
    int workers;          /* tasks that did a share of the work */
    double caller_share;  /* the caller's main thread's share of all CPU */
    double top_share;     /* the busiest worker's share of the workers' CPU */
    int top;              /* ... which worker (1-based, in birth order) */
    double overlap;       /* of the columns where 2+ workers were alive,
                             the share where 2+ were on (or waiting for) a
                             CPU at once */
    int together;         /* columns where 2+ workers were alive */
    double early_end;     /* the earliest-finishing worker's last CPU use,
                             as a share of the run */
    int early;            /* ... which worker */
    double early_cpu;     /* ... its CPU time over the mean worker's */
    double late_end;      /* the latest one's */
    double first_start_s; /* seconds from the call to the first worker */
    double cpu_ratio;     /* all CPU of the run / CPU of the sequential
                             reference (0: not known) */
};

/* Classify a record; seq_cpu is the sequential reference's CPU seconds
 * (0 when unknown).  Writes the cause as one clause with its figures into
 * buf ("" for none) and returns it. */
enum gr_cause gr_diagnose(const struct gr_record *rec, double seq_cpu,
                          struct gr_findings *f, char *buf, size_t n);

/* The cause's short name, for tests and data files ("imbalance"). */
const char *gr_cause_name(enum gr_cause c);

/* Which cause a set of rounds shows (count[c]: the rounds whose record
 * showed cause c, for every c up to GR_CAUSE_BUSY): one shown in most of
 * them; or, for a failure, in at least half and more often than any
 * other.  GR_CAUSE_NONE where none is. */
enum gr_cause gr_cause_of_rounds(const int count[], int rounds, int failed);

#endif
