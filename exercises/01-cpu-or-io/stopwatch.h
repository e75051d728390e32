/* stopwatch.h: exercise 1.1, a stopwatch for functions and programs.
 *
 * Three clocks tell different stories.  Wall time is what you wait.  User
 * time is CPU time spent in your code, system time is CPU time the kernel
 * spends on your behalf; both add up over every thread, so on two busy
 * cores they grow twice as fast as the wall clock. */
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

/* Run the program argv[0] (found through PATH) with arguments argv, as a
 * child process, and wait for it.  Return the child's wall, user and system
 * time -- the child's CPU time, not ours -- and store its exit code (0-255)
 * in *exit_code.  A program that cannot be started exits with 127, as in
 * the shell.  Leave no zombie and no open descriptor behind. */
struct sw_times stopwatch_cmd(char *const argv[], int *exit_code);

#endif
