/* server.h: a learner's server under test, stopped through a socket pair
 * (the tests of exercises 5.1, 5.2 and 7.2).
 *
 * The server runs in the sandbox (gr_start) on a listening socket the
 * test made, and watches one end of a socket pair: the test sends a byte
 * to stop it, and gr_finish() then reports whatever the shutdown left
 * behind.  Each chapter writes the sandboxed function itself, since what
 * it calls (and what it must release after) is the chapter's. */
#ifndef GRADER_SERVER_H
#define GRADER_SERVER_H

#include "client.h"
#include "grader.h"

/* The sandboxed function's argument begins with these; srv_start() fills
 * them in.  The child must close stop_w: only the test holds that end. */
struct srv_fds {
    int listen_fd, stop_r, stop_w;
};

struct served {
    struct gr_proc proc;
    const char *what; /* "kv_serve()", for messages */
    int port, stop_w, stopped;
    int rc;           /* what the serve function returned (an int) */
    struct gr_run run;
};

/* Make the sockets and run in_sandbox(arg, &rc) in the sandbox;
 * `arg` starts with a struct srv_fds.  Fails the test if it cannot. */
void srv_start(struct served *s, gr_fn in_sandbox, void *arg, const char *what,
               double timeout_s);

/* The same, with small kernel buffers on the listening socket (and so on
 * every connection it accepts): see cl_small_buffers(). */
void srv_start_small(struct served *s, gr_fn in_sandbox, void *arg, const char *what,
                     double timeout_s);

/* Ask the server to stop, and wait for it to return (once). */
struct gr_run server_stop(struct served *s);

/* Stop the server and check that it shut down cleanly and returned 0. */
void server_stop_clean(struct served *s);

/* A failed expectation: a server that crashed, hung or is not written
 * yet explains everything, so report that first. */
#define srv_expect(s, cond, ...)                                            \
    do {                                                                    \
        if (!(cond)) {                                                      \
            struct gr_run r_ = server_stop(s);                              \
            gr_assert_returned(r_, (s)->what);                              \
            cr_assert_fail(__VA_ARGS__);                                    \
        }                                                                   \
    } while (0)

/* ---- cheap requests stay fast while heavy ones run ---------------------- */

/* Two interleaved rounds of cl_ping_while_busy() against `ref`, a
 * reference that computes on its loop thread, and then `mine`: measured in
 * the same run, as the machine's speed sets both.  The second round runs
 * only when the first leaves the verdict in doubt (server.c,
 * clear_by_far()).  Then both are stopped, and
 * `mine` must stop cleanly.  Logs the medians, and skips the test as
 * inconclusive when even `ref` answered PING in under 10 ms (median):
 * nothing could then tell the two apart.  *M and *R get the latencies of
 * each; the verdict, with its hint, is the test's. */
void srv_time_pings(struct served *mine, struct served *ref, const struct cl_heavy *h,
                    struct cl_latency *M, struct cl_latency *R);

/* ---- PING stays fast beside counts of every size ------------------------ */

/* Counts of every size the contract allows go to the pool, not only large
 * ones.  For spans of 100, 1,000, 10,000 and 100,000 numbers just below
 * `top` (the largest hi allowed, where numbers cost most), enough
 * connections (2 to 8) keep such a count in flight, about 0.3 s of CPU
 * for a round of them all, while a client sends PING every 2 ms: first
 * to `ref`, which counts on its loop thread, for 0.3 s, then to `mine`
 * for 0.2 s (MINE_WINDOW_S in server.c), and as long again of each
 * where the first leaves the verdict in doubt
 * (clear_by_far() in server.c).  A size is
 * judged where the reference's median is 20 ms or more (twice the floor
 * of srv_time_pings(): the cheap sizes keep the loop itself busy with
 * replies); there 90% of mine must come in a quarter of it, the bound
 * srv_time_pings() uses.
 * Stops both servers (mine cleanly); skips if no size could be judged.
 * The failure names the size, then `hint`. */
void srv_pings_beside_every_size(struct served *mine, struct served *ref,
                                 unsigned long top, const char *hint);

/* ---- one client that stops reading freezes nothing ---------------------- */

/* Run cl_probe_beside_hog() against a server started with
 * srv_start_small(), stop it (cleanly), and fail the test if a probe
 * waited CL_FROZEN_FAIL_S or more, with "one client that stopped reading
 * froze the server for 2.0 s", what the hog did, and `hint`. */
void srv_never_frozen(struct served *s, const struct cl_hog *h, const char *hint);

/* The same, and then the bound of srv_time_pings(): `ref`, a server that
 * counts on its loop thread, is timed with `heavy` in flight (and
 * stopped), and where its median is 10 ms or more, 90% of the probes
 * beside the hog must have come in a quarter of it.  (Probes whose 90th
 * percentile is under 2.5 ms pass any such bound: `ref` is then stopped
 * untimed.) */
void srv_never_frozen_vs(struct served *s, struct served *ref, const struct cl_heavy *heavy,
                         const struct cl_hog *h, const char *hint);

#endif
