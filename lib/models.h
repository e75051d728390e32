/* models.h: the book's five ways of running work at once, behind one
 * small interface (chapter 7, "The showdown").
 *
 * Chapters 1 to 5 each built one model: plain sequential code, processes
 * (chapter 2), threads (chapter 3), the event loop of chapter 4 and
 * libuv (chapter 5).  To compare them fairly, one program must run every
 * model on the same workloads and measure them the same way.  This file
 * is that meeting point.  It does not re-implement the chapters: it calls
 * what they put in lib/ (count_primes() and count_primes_threads(), the
 * slow server, lib/evloop, libuv) and adds only the glue each model needs
 * to run the two workloads of chapter 1:
 *
 *   - the CPU workload: count the primes in a range;
 *   - the I/O workload: `conns` connections to the slow server, each
 *     sending `per_conn` requests one after another on its connection.
 *     "Fast I/O, few connections" and "slow I/O, many connections" are
 *     the same code with other numbers.
 *
 * On top of that, model_cpu_cell() and model_io_cell() run one model on
 * one workload in a fresh child process and return what the showdown's
 * table needs: wall time, CPU time, peak memory, and for I/O requests per
 * second and latency percentiles.  And farm_run() is the pool (of
 * processes or of threads) that measures the cost of parallelism. */
#ifndef BOOK_MODELS_H
#define BOOK_MODELS_H

#include <stddef.h>
#include <stdint.h>

// [snippet interface]
enum model {
    MODEL_SEQUENTIAL, /* one thread, one thing at a time */
    MODEL_PROCESSES,  /* a process per worker (CPU) or per connection (I/O) */
    MODEL_THREADS,    /* a thread per worker (CPU) or per connection (I/O) */
    MODEL_EVLOOP,     /* chapter 4's loop (lib/evloop): one thread */
    MODEL_LIBUV,      /* libuv's loop; CPU work goes to its thread pool */
    MODEL_COUNT
};

/* "sequential", "processes", "threads", "ch4_loop", "libuv". */
extern const char *const model_name[MODEL_COUNT];

/* ---- the two workloads, run by one model in the calling process ------ */

/* Count the primes p with lo <= p < hi.  `workers` is the number of
 * worker processes (MODEL_PROCESSES), threads (MODEL_THREADS) or libuv
 * pool threads (MODEL_LIBUV: it sets UV_THREADPOOL_SIZE, which libuv
 * reads once, when a process first uses its pool).  The sequential model
 * and chapter 4's loop compute on the calling thread whatever it says.
 * Returns the count, or -1 if the model could not run.  *kids_rss_mb
 * (may be NULL) gets the peak resident memory of the worker processes,
 * added up over them (0 for the models without worker processes). */
long model_cpu(enum model m, uint64_t lo, uint64_t hi, int workers,
               double *kids_rss_mb);

/* The I/O workload against the slow server on 127.0.0.1:port.  Request k
 * of connection c is the line "c.k"; a reply counts when it is the same
 * line.  lat_ms (conns * per_conn entries, may be NULL) gets each
 * request's latency in milliseconds, from sending it to reading its
 * reply, at [c * per_conn + k]; -1 for a request that failed.  Returns the
 * number of right replies, or -1 if the model could not start.
 * *kids_rss_mb as for model_cpu(). */
long model_io(enum model m, int port, int conns, int per_conn, double *lat_ms,
              double *kids_rss_mb);
// [end interface]

/* ---- one cell of the showdown's matrix ------------------------------------ */

// [snippet cell]
struct cell {
    int ran;            /* 0: skipped or failed, and `why` says why */
    char why[200];
    double wall;        /* seconds around the model's call */
    double cpu;         /* user + system seconds, worker processes included */
    double peak_mb;     /* peak resident memory, added up over the processes */
    double anon_mb;     /* the measuring process's own anonymous memory: what
                         * one more forked process would need, roughly */
    long ok, failed;    /* CPU: ok is the count; I/O: replies right, wrong */
    double per_s;       /* I/O: right replies per second */
    double p50_ms, p99_ms; /* I/O: latency percentiles of the right replies */
};

/* Run one model on one workload in a fresh child process (so that its
 * memory and CPU time are its own) and measure it.  A crash of the model
 * is reported in the cell, not passed on.  An I/O cell also gets a slow
 * server of its own, with the given delay, on a fresh port: after a run
 * of thousands of connections, as many closed ones linger (TIME_WAIT),
 * and every new connect() to that same port gets slower, so a shared
 * server would make each cell pay for the ones before it. */
struct cell model_cpu_cell(enum model m, uint64_t lo, uint64_t hi, int workers);
struct cell model_io_cell(enum model m, double delay_ms, int conns, int per_conn);
// [end cell]

/* A model that lives outside lib/, because it needs a library that not
 * every program links (the io_uring model of chapter 7 needs liburing):
 * it runs the I/O workload as model_io() does and returns the same.
 * model_io_cell_with() measures it exactly as model_io_cell() measures
 * the five above; `name` is what a failed cell's sentence calls it. */
typedef long model_io_fn(int port, int conns, int per_conn, double *lat_ms);
struct cell model_io_cell_with(const char *name, model_io_fn *run, double delay_ms,
                               int conns, int per_conn);

/* Can model m hold `conns` connections on this machine right now?  It
 * checks the open-file limit (raise it first with raise_fd_limit()), the
 * processes and threads the kernel still allows, and the available memory
 * against an estimate: `mb_each` megabytes per process (MODEL_PROCESSES;
 * pass a measured anon_mb) or a small per-thread cost.  Returns 1, or 0
 * with the reason in why (n bytes). */
int model_io_fits(enum model m, int conns, double mb_each, char *why, size_t n);

/* Memory the kernel says is available (MemAvailable), in MB. */
double available_mb(void);

/* How many of `workers` cores are free for us right now: the speedup of a
 * small prime count on `workers` threads over one thread, each the best of
 * five tries.  About `workers` on a quiet machine, lower while other
 * programs run.  Benchmarks record it next to their data. */
double cores_free(int workers);

/* ---- pools, for the cost of parallelism ----------------------------------- */

enum farm_kind { FARM_PROCESSES, FARM_THREADS };

/* A task: task number i of a batch, with the batch's argument.  It runs
 * in a worker; the results of a batch are added up. */
typedef long farm_task(long i, const void *arg);

/* Start `workers` workers (processes or threads), run tasks 0..ntasks-1
 * on them, each task taken by whichever worker is free, and stop them.
 * Process workers take task numbers from a pipe they share and send one
 * sum back at the end; thread workers take them from a shared counter.
 * Everything a pool costs is inside the call: starting, handing out,
 * collecting, stopping.  Returns the sum of the results, or -1 if a
 * worker could not start or died.  *kids_rss_mb (may be NULL): as for
 * model_cpu(). */
long farm_run(enum farm_kind kind, int workers, long ntasks, farm_task *task,
              const void *arg, double *kids_rss_mb);

#endif
