/* timing.h: clocks for benchmarks and the grader.
 *
 * Wall time says how long the reader waited; user and system time say how
 * much CPU was burnt.  The ratio of the two is the book's first diagnostic:
 * CPU time well below wall time means the program mostly waited. */
#ifndef BOOK_TIMING_H
#define BOOK_TIMING_H

#include <stdio.h>

struct cost {
    double wall; /* seconds on a monotonic clock */
    double user; /* CPU seconds in user mode, children included */
    double sys;  /* CPU seconds in the kernel, children included */
};

double now_s(void); /* CLOCK_MONOTONIC in seconds */

/* cost_start() snapshots the clocks; cost_since() returns what was spent
 * since.  Children count once they have been waited for. */
struct cost cost_start(void);
struct cost cost_since(struct cost start);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
int usable_cores(void);

/* Median of n doubles; sorts the array in place. */
double median(double *v, int n);

/* Where the median of `total` values can still fall once the first n
 * (at most 64) are known, whatever the others measure (none below 0):
 * a timed test whose verdict is the same at both ends can stop. */
void median_range(const double *v, int n, int total, double *lo, double *hi);

/* "# machine: ..." line for data files: cores, CPU model, kernel. */
void print_machine(FILE *out);

/* "# measured: ..." line for data files re-measured on a shared machine:
 * the command that made the file, the UTC date, nproc and the load
 * average at the start (/proc/loadavg), so a reader can judge the noise. */
void print_conditions(FILE *out, const char *command);

/* True when the environment asks for a quick run (QUICK=1), as `make test`
 * does for every demo. */
int quick_mode(void);

#endif
