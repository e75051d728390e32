/* stopwatch.h: exercise 1.3, a stopwatch for functions.
 *
 * Three clocks tell different stories.  Wall time is what you wait.  User
 * time is CPU time spent in your code, system time is CPU time the kernel
 * spends on your behalf; both add up over every thread, so on two busy
 * cores they grow twice as fast as the wall clock.  (Timing a whole
 * program, run as a child process, waits for chapter 2: exercise 2.1.) */
#ifndef STOPWATCH_H
#define STOPWATCH_H

struct sw_times {
    double wall; /* seconds elapsed on a monotonic clock */
    double user; /* CPU seconds in user mode */
    double sys;  /* CPU seconds in the kernel */
};

/* Call fn(arg) once and return its wall time and the user and system time
 * this process (every thread of it) spent during the call. */
struct sw_times stopwatch_fn(void (*fn)(void *arg), void *arg);

#endif
