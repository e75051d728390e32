/* spawner.h: exercise 5.1, run child processes from the loop.
 *
 * Start every command at once with uv_spawn(), read each child's standard
 * output through a pipe as it comes, and record how each one ended.  One
 * thread waits for all of them: while one child is silent, the others'
 * output is still read, so no child ever blocks on a full pipe.
 *
 * A job is finished only when BOTH have happened: its process has exited
 * (the exit callback) and its output pipe has reached end of file.  They
 * come in either order.  A child may exit while its output is still in
 * the pipe, or while a grandchild it started still writes to that pipe;
 * and a child may close its output long before it exits.  Stop at the
 * first of the two and you either lose output or leave a zombie. */
#ifndef SPAWNER_H
#define SPAWNER_H

#include <stddef.h>
#include <stdint.h>

struct job_result {
    int spawn_error;     /* 0, or what uv_spawn() returned (e.g. UV_ENOENT);
                          * the other fields are then 0 and "" */
    int64_t exit_status; /* the exit code when it exited normally; 0 when a
                          * signal killed it (libuv's exit callback then
                          * passes 0 and the signal) */
    int term_signal;     /* the signal that killed it, or 0 */
    char *output;        /* everything it wrote to stdout, NUL-terminated;
                          * always malloc'd, also when it wrote nothing or
                          * could not be started (then ""), so that
                          * free_job_results() frees every job's alike */
    size_t output_len;   /* in bytes, without the NUL */
};

/* Run the n commands cmds[0..n-1] at once, each a NULL-terminated argv
 * whose argv[0] is looked up in PATH.  The children get no stdin: a
 * child that reads it sees end of file at once.  Either UV_IGNORE does it
 * (for descriptors 0 to 2, libuv 1.44 on Linux opens /dev/null in the
 * child) or a /dev/null you open; either way nothing of the caller's
 * stdin reaches a child.  Their stdout goes to a pipe you read, their
 * stderr is ours.  Fill results[i] for cmds[i].  A command that cannot be started
 * does not stop the others.
 *
 * Return 0 once every job is finished (see above) and every handle is
 * closed and the loop closed; -1 if the loop itself could not be set up.
 * No zombie, descriptor or handle may outlive the call; the results'
 * output buffers are the caller's, to be freed with free_job_results(). */
int run_jobs(int n, char **const cmds[], struct job_result results[]);

/* Free the output buffers of n results. */
void free_job_results(int n, struct job_result results[]);

#endif
