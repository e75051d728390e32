/* mixed.h: exercise 7.2, run a mixed batch well.
 *
 * A real program rarely has one kind of work.  This batch holds three,
 * and the notes' rule has an answer for each:
 *
 *   JOB_CPU      count the primes in [lo, hi): CPU-bound.  Use the cores.
 *   JOB_FAST_IO  `requests` requests to a slow server with a short delay,
 *                one after another: fast I/O, and only a few such jobs
 *                (at most 8 in a batch; the tests use 2 or 3).
 *   JOB_SLOW_IO  one request to a slow server with a long delay: slow
 *                I/O, and hundreds of such jobs at once.
 *
 * No single model runs the whole batch well.  A fixed pool of threads
 * waits for the slow jobs a few at a time.  One event loop computes the
 * CPU jobs on one core, and its I/O stalls while it does.  A thread (or a
 * process) for every job needs hundreds of them.  Run each kind with a
 * model that suits it, and run the three kinds at the same time: the
 * batch is done when its slowest part is done.
 *
 * Tools: count_primes() (primes.h) and count_primes_threads(); the slow
 * server's protocol (slow_server.h: a line out, the same line back after
 * the delay; several requests may follow one another on one connection);
 * chapter 4's loop (evloop.h) or libuv; pthreads; fork().  The showdown's
 * models (models.h) may help too, if the jobs they are given suit them;
 * the choice of which to use, and running them at the same time, is
 * yours. */
#ifndef MIXED_H
#define MIXED_H

#include <stdint.h>

enum job_kind { JOB_CPU, JOB_FAST_IO, JOB_SLOW_IO };

struct job {
    enum job_kind kind;
    uint64_t lo, hi; /* JOB_CPU: the range to count primes in */
    int port;        /* I/O jobs: the slow server on 127.0.0.1:port */
    int requests;    /* I/O jobs: how many requests, one after the other */
    long result;     /* yours to fill in: JOB_CPU, the number of primes;
                      * I/O jobs, the number of replies that came back
                      * equal to the line you sent (any line of at most
                      * 100 bytes, say "job 7 request 3") */
};

/* Run the n jobs and fill in every job's result.  `cores` is the number
 * of usable cores (usable_cores() from timing.h).
 *
 * - Finish in about the time the slowest kind would take on its own with
 *   a good model: the tests measure that in the same run and allow 1.5
 *   times it, but never more than halfway from it to the time the CPU
 *   jobs take on one core.
 * - Use at most 2 * cores + 8 threads besides the calling thread, and
 *   child processes count as threads: a server must survive the day the
 *   batch holds 100,000 slow jobs.  The budget is for what is alive at
 *   any one moment, not a total: a thread that has been joined (or a
 *   child that has been waited for) no longer counts, and the threads
 *   inside a child process count too.  The tests count them while you
 *   run; they also add every fork() of the call, in total, to the peak
 *   number of threads, so fork a process once, not once per job.
 * - Join every thread and wait for every child; close every socket.
 *
 * Returns 0, or -1 if the batch could not be run at all. */
int run_batch(struct job *jobs, int n, int cores);

#endif
