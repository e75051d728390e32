/* timed_run.h: exercise 2.1, run a program as a child process and time it.
 *
 * The shell's `time` does three things that chapter 2 teaches: it forks a
 * child, the child replaces itself with the program (exec), and the parent
 * waits for it and collects both its exit status and the CPU time it used.
 * The child's CPU time is its own: the parent's clocks do not count it. */
#ifndef TIMED_RUN_H
#define TIMED_RUN_H

struct tr_times {
    double wall; /* seconds from just before the fork to the end of the wait,
                    on a monotonic clock */
    double user; /* CPU seconds the child spent in user mode */
    double sys;  /* CPU seconds the child spent in the kernel */
};

/* Run the program argv[0] (found through PATH, as the shell does) with the
 * arguments argv (NULL-terminated), as a child process, and wait for it.
 * Return the child's wall, user and system time -- the child's CPU time,
 * not the caller's -- and store its exit code in *exit_code, as the shell
 * reports it in `$?`:
 *   - the child exited:            its exit status, 0 to 255;
 *   - the child was killed by signal s (SIGKILL is 9): 128 + s, so 137;
 *   - the program cannot be started (not found, not executable): 127.
 * The caller's buffered output must not be printed twice.  When this
 * returns, the child has been waited for (no zombie) and no descriptor
 * opened by this call is left open.  If fork() itself fails, return
 * wall = -1 and *exit_code = 127. */
struct tr_times timed_run(char *const argv[], int *exit_code);

#endif
