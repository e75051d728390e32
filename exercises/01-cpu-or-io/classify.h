/* classify.h: exercise 1.2, is a workload CPU-bound or I/O-bound?
 *
 * Measure one run of a workload and look at its CPU share: CPU time (user
 * plus system, every thread) divided by wall time.  It is the average
 * number of CPUs the workload kept busy.  A share near 1 or above means
 * the workload computed all the time: more cores can speed it up.  A share
 * near 0 means it mostly waited: more cores cannot help, but doing other
 * work while waiting can. */
#ifndef CLASSIFY_H
#define CLASSIFY_H

enum load_kind {
    LOAD_CPU_BOUND, /* cpu_share >= 0.8 */
    LOAD_MIXED,     /* in between */
    LOAD_IO_BOUND,  /* cpu_share <= 0.2 */
};

struct load_report {
    double wall, user, sys; /* seconds, measured around one call */
    double cpu_share;       /* (user + sys) / wall */
    enum load_kind kind;
};

/* Call work(arg) once, measure it, and classify it by the thresholds
 * above.  System time counts as CPU time: the CPU was busy in the kernel
 * on the workload's behalf. */
struct load_report classify(void (*work)(void *arg), void *arg);

/* "CPU-bound", "mixed" or "I/O-bound". */
const char *load_kind_name(enum load_kind kind);

#endif
