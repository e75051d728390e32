/* Tests for exercise 8.3, the prefork server.
 *
 * The learner's prefork_serve() runs in the sandbox (gr_start): the
 * sandboxed process is the parent, its children are the learner's.  The
 * test talks to it over loopback, finds the children through /proc and
 * through PID requests, and stops it as a service manager would, with
 * SIGTERM to the parent.  gr_finish() then reports any child not waited
 * for (a zombie), any child still running and any descriptor left open.
 * The speedup test runs the whole server inside the timed call, in a
 * process of its own, and hands the timing to the calibrated judge. */
#define _GNU_SOURCE
#include "clients.h"
#include "grader.h"
#include "prefork.h"
#include "todo.h"

#include <dirent.h>
#include <sys/wait.h>

#define WHAT "prefork_serve()"

struct serve_arg {
    int listen_fd, nprocs;
};

struct served {
    struct gr_proc proc;
    int port, nprocs, stopped, rc;
    struct gr_run run;
};

static void serve_in_sandbox(void *arg, void *out)
{
    struct serve_arg *a = arg;
    signal(SIGPIPE, SIG_DFL);
    *(int *)out = prefork_serve(a->listen_fd, a->nprocs);
}

/* small: small kernel buffers on the listening socket and the
 * connections the children accept from it (cl_small_buffers()). */
static void server_start_with(struct served *s, int nprocs, int small)
{
    memset(s, 0, sizeof *s);
    s->nprocs = nprocs;
    int lfd = tcp_listen_loopback(&s->port);
    cr_assert(lfd >= 0, "the test could not make a listening socket");
    if (small)
        cl_small_buffers(lfd);
    struct serve_arg a = { lfd, nprocs };
    struct gr_limits lim = { .timeout_s = 20, .max_forks = 64 };
    cr_assert_eq(gr_start(&s->proc, serve_in_sandbox, &a, sizeof(int), &lim), 0,
                 "the grader could not start a sandbox");
    close(lfd);
}

static void server_start(struct served *s, int nprocs)
{
    server_start_with(s, nprocs, 0);
}

/* SIGTERM to the parent, and what it left behind. */
static struct gr_run server_stop(struct served *s)
{
    if (!s->stopped) {
        s->proc.deadline = now_s() + 10;
        s->run = gr_finish(&s->proc, SIGTERM, &s->rc);
        s->stopped = 1;
    }
    return s->run;
}

#define srv_expect(s, cond, ...)                                            \
    do {                                                                    \
        if (!(cond)) {                                                      \
            struct gr_run r_ = server_stop(s);                              \
            gr_assert_returned(r_, WHAT);                                   \
            cr_assert_fail(__VA_ARGS__);                                    \
        }                                                                   \
    } while (0)

static void server_stop_clean(struct served *s, const char *when)
{
    struct gr_run r = server_stop(s);
    char what[200];
    snprintf(what, sizeof what, "prefork_serve(%d processes), after SIGTERM%s",
             s->nprocs, when);
    gr_assert_clean(r, what);
    cr_assert_eq(s->rc, 0, "%s returned %d; it should return 0", what, s->rc);
}

/* The parent of a process, from /proc; 0 if it is gone. */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *rp = strrchr(buf, ')'), state;
    int ppid = 0;
    if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2 || state == 'Z')
        return 0;
    return ppid;
}

/* Live children of the sandboxed parent. */
static int count_children(pid_t parent)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && parent_of(atoi(e->d_name)) == parent)
            n++;
    if (d)
        closedir(d);
    return n;
}

/* Ask PID on a fresh connection: which child answers. */
static pid_t who_answers(struct served *s, int fd)
{
    char reply[64];
    cl_ask(fd, "PID\n", reply, sizeof reply);
    pid_t pid = (pid_t)atol(reply);
    srv_expect(s, pid > 0, "the request 'PID' should get a process id, got '%s'",
               shown(reply));
    return pid;
}

/* ---- the caller's signal state ------------------------------------------ */

struct mask_out {
    int rc, mask_same, handler_same;
};

/* Marks the mask (SIGUSR2 blocked), serves, and compares the mask and
 * SIGTERM's handler before and after: prefork_serve() must put back what
 * it changed. */
static void serve_checking_mask(void *arg, void *out)
{
    struct serve_arg *a = arg;
    struct mask_out *m = out;
    signal(SIGPIPE, SIG_DFL);
    sigset_t before, after, mark;
    sigemptyset(&mark);
    sigaddset(&mark, SIGUSR2);
    sigprocmask(SIG_BLOCK, &mark, NULL);
    sigprocmask(SIG_SETMASK, NULL, &before);
    struct sigaction term_before, term_after;
    sigaction(SIGTERM, NULL, &term_before);
    m->rc = prefork_serve(a->listen_fd, a->nprocs);
    sigprocmask(SIG_SETMASK, NULL, &after);
    sigaction(SIGTERM, NULL, &term_after);
    m->mask_same = 1;
    for (int sig = 1; sig < NSIG; sig++)
        if (sigismember(&before, sig) != sigismember(&after, sig))
            m->mask_same = 0;
    m->handler_same = term_before.sa_handler == term_after.sa_handler;
}

Test(prefork, restores_the_signal_mask)
{
    int port;
    int lfd = tcp_listen_loopback(&port);
    cr_assert(lfd >= 0, "the test could not make a listening socket");
    struct serve_arg a = { lfd, 2 };
    struct gr_limits lim = { .timeout_s = 20, .max_forks = 64 };
    struct gr_proc proc;
    cr_assert_eq(gr_start(&proc, serve_checking_mask, &a, sizeof(struct mask_out), &lim), 0,
                 "the grader could not start a sandbox");
    close(lfd);
    int fd = tcp_connect_loopback(port);
    char reply[64] = "";
    if (fd >= 0) /* served: its children are up, its signals set */
        cl_ask(fd, "PING\n", reply, sizeof reply);
    if (fd >= 0)
        close(fd);
    proc.deadline = now_s() + 10;
    struct mask_out m = { -1, 0, 0 };
    struct gr_run r = gr_finish(&proc, SIGTERM, &m);
    const char *what = "prefork_serve(2 processes), after SIGTERM";
    gr_assert_clean(r, what);
    cr_assert_eq(m.rc, 0, "%s returned %d; it should return 0", what, m.rc);
    cr_assert(m.mask_same, "%s: the caller's signal mask (SIGTERM unblocked, "
              "SIGUSR2 blocked) was not the same after the call: restore the "
              "mask you changed, e.g. sigprocmask(SIG_SETMASK, &old, NULL)", what);
    cr_assert(m.handler_same, "%s: SIGTERM's handler was not the same after "
              "the call: put back the disposition you changed", what);
}

/* ---- answers ------------------------------------------------------------- */

Test(prefork, answers_from_children)
{
    struct served s;
    server_start(&s, 3);
    int fd = tcp_connect_loopback(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server");
    srv_ask(&s, fd, "PONG", "PING\n");
    srv_ask(&s, fd, "25", "PRIMES 0 100\n");
    srv_ask(&s, fd, "78498", "PRIMES 0 1000000\n");
    srv_ask(&s, fd, "ERR unknown command", "HELLO\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PRIMES 10 5\n");
    pid_t child = who_answers(&s, fd);
    pid_t parent = parent_of(child);
    srv_expect(&s, child != s.proc.pid && parent == s.proc.pid,
               "PID was answered by process %d, %s; the answer should come from a "
               "child of the process that called prefork_serve() (%d)", (int)child,
               child == s.proc.pid ? "the parent itself" : "not one of its children",
               (int)s.proc.pid);
    srv_ask(&s, fd, "PONG", "PING\n");
    close(fd);
    server_stop_clean(&s, "");
}

Test(prefork, nprocs_children)
{
    struct served s;
    server_start(&s, 3);
    int fd = tcp_connect_loopback(s.port);
    srv_ask(&s, fd, "PONG", "PING\n"); /* the children are up */
    close(fd);
    int n = 0;
    for (int i = 0; i < 100 && (n = count_children(s.proc.pid)) < 3; i++)
        usleep(10000);
    srv_expect(&s, n == 3, "prefork_serve(listen_fd, 3) should run 3 child processes; "
               "%d were found", n);
    server_stop_clean(&s, "");
}

/* While one child counts, a new connection goes to another. */
Test(prefork, a_busy_child_leaves_work_to_others)
{
    struct served s;
    server_start(&s, 3);
    int warm = tcp_connect_loopback(s.port);
    srv_ask(&s, warm, "PONG", "PING\n");
    close(warm);
    int fd[3];
    for (int i = 0; i < 3; i++) {
        fd[i] = tcp_connect_loopback(s.port);
        srv_expect(&s, fd[i] >= 0, "could not connect to the server");
        cl_send(fd[i], "PRIMES 3000000 4200000\n"); /* a few hundred ms */
        usleep(60000); /* it is being counted now */
    }
    char line[64];
    pid_t pid[3];
    long want = count_primes(3000000, 4200000); /* once: each count is one of the server's */
    for (int i = 0; i < 3; i++) {
        cl_line(fd[i], line, sizeof line, 15);
        srv_expect(&s, atol(line) == want, "PRIMES 3000000 4200000 should get %ld, got '%s'",
                   want, shown(line));
        pid[i] = who_answers(&s, fd[i]);
        close(fd[i]);
    }
    srv_expect(&s, pid[0] != pid[1] && pid[1] != pid[2] && pid[0] != pid[2],
               "three clients connected 60 ms apart, each with a long count, while 3 "
               "children were idle: each should be served by a different child, but "
               "the PIDs were %d, %d and %d.  Does a child accept several connections "
               "at once?  Accept one per wake-up.", (int)pid[0], (int)pid[1], (int)pid[2]);
    server_stop_clean(&s, "");
}

/* ---- shutdown ------------------------------------------------------------ */

Test(prefork, sigterm_stops_every_child)
{
    struct served s;
    server_start(&s, 4);
    int fd[4];
    for (int i = 0; i < 4; i++) {
        fd[i] = tcp_connect_loopback(s.port);
        srv_ask(&s, fd[i], "PONG", "PING\n");
    }
    close(fd[0]); /* some clients leave, some stay connected */
    close(fd[2]);
    server_stop_clean(&s, " with 2 clients still connected");
    close(fd[1]);
    close(fd[3]);
}

Test(prefork, sigterm_while_busy)
{
    struct served s;
    server_start(&s, 2);
    int fd[3];
    for (int i = 0; i < 3; i++) {
        fd[i] = tcp_connect_loopback(s.port);
        srv_ask(&s, fd[i], "PONG", "PING\n");
        cl_send(fd[i], "PRIMES 2000000 3000000\n");
    }
    usleep(30000); /* the children are counting */
    server_stop_clean(&s, " while both children were counting");
    for (int i = 0; i < 3; i++)
        close(fd[i]);
}

/* A child killed from outside: the others go on, and at the end the
 * parent still waits for every child, dead or alive. */
Test(prefork, a_child_killed)
{
    struct served s;
    server_start(&s, 3);
    int fd = tcp_connect_loopback(s.port);
    pid_t victim = who_answers(&s, fd);
    close(fd);
    srv_expect(&s, parent_of(victim) == s.proc.pid,
               "PID was answered by %d, which is not a child of the server", (int)victim);
    kill(victim, SIGKILL);
    usleep(50000);
    for (int i = 0; i < 5; i++) {
        fd = tcp_connect_loopback(s.port);
        srv_ask(&s, fd, "PONG", "PING\n");
        close(fd);
    }
    server_stop_clean(&s, " (one child had been killed with SIGKILL)");
}

/* ---- throughput scales with processes ------------------------------------ */

struct in_call {
    int nprocs;
};

/* In the sandbox: the server in a process of its own (it is a parent
 * that waits for SIGTERM), a batch of counts sent at once, then SIGTERM
 * and a wait, so its children's CPU time counts too. */
static void heavy_batch(void *arg, void *out)
{
    struct in_call *c = arg;
    int port = 0, lfd = tcp_listen_loopback(&port);
    long sum = -1;
    fflush(NULL);
    pid_t pid = lfd < 0 ? -1 : fork();
    if (pid == 0)
        _exit(prefork_serve(lfd, c->nprocs) == 0 ? 0 : 1);
    if (lfd >= 0)
        close(lfd); /* the server's now: if it dies, connecting fails at once */
    if (pid > 0) {
        sum = batch_ask(port);
        kill(pid, SIGTERM);
        int status;
        waitpid(pid, &status, 0);
        if (WIFEXITED(status) && WEXITSTATUS(status) == TODO_EXIT_CODE)
            _exit(TODO_EXIT_CODE); /* the stub: say "not started", as it did */
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            sum = -1;
    }
    *(long *)out = sum;
}

Test(speedup, throughput_scales, .timeout = 180)
{
    struct in_call c = { test_workers() };
    char what[160];
    snprintf(what, sizeof what, "prefork_serve(%d processes) answering %d PRIMES "
             "requests sent at once (seed %lu)", c.nprocs, BATCH_N, gr_seed());
    long got = -2, want = 0;
    batch_sequential(NULL, &want);
    struct gr_limits lim = { .timeout_s = 20, .max_forks = 64 };
    struct gr_run r = gr_run_fn(heavy_batch, &c, &got, sizeof got, &lim);
    gr_assert_clean(r, what);
    cr_assert_eq(got, want, "%s: the replies add up to %ld, not %ld (or the server "
                 "did not exit with 0 after SIGTERM)", what, got, want);
    struct gr_speedup s = {
        .parallel = heavy_batch, .parallel_arg = &c,
        .sequential = batch_sequential, .sequential_arg = NULL,
        .out_size = sizeof(long), .workers = c.nprocs, .what = what,
        .children_work = 1, /* the preforked processes count, not the caller */
    };
    gr_assert_speedup(&s);
}

/* ---- one client that stops reading must not freeze its child ------------- */

/* With one child, every client is that child's: one that sends a line the
 * server does not know, over and over, and reads none of the errors must
 * not stop the child from answering another client's PING.  (That client
 * breaks the rule of one request at a time: its replies may be dropped.) */
Test(prefork, a_client_that_stops_reading_freezes_nothing, .timeout = 40)
{
    struct served s;
    server_start_with(&s, 1, 1);
    struct cl_hog h = { .request = "?\n", .reply_bytes = sizeof "ERR unknown command",
                        .probe = "PING\n", .answer = "PONG", .hello_s = 5.0 };
    struct cl_stall S = cl_probe_beside_hog(s.port, &h);
    cr_log_info("beside a client that stopped reading (%.2f MB of replies asked): "
                "%d replies, median %.2f ms, 90th percentile %.2f ms, longest %.0f ms",
                S.asked_mb, S.probes, S.p50, S.p90, S.frozen_s * 1e3);
    srv_expect(&s, S.wrong != -1, "a client could not connect, or its first PING got "
               "no reply within 5 s");
    srv_expect(&s, S.frozen_s < CL_FROZEN_FAIL_S, "one client that stopped reading "
               "froze the server for %.1f s: with one child, a client sent '?' over "
               "and over (%.2f MB, asking for %.1f MB of errors) and read none, and "
               "meanwhile another client's PING got no reply (the replies that came "
               "took %.2f ms, median).  %s  Re-run: %s", S.frozen_s, S.sent_mb,
               S.asked_mb, S.p50, EL_NEVER_BLOCK_HINT, gr_rerun());
    srv_expect(&s, S.wrong == 0, "beside a client that stopped reading, another client "
               "sent PING and got '%s' instead of 'PONG'%s", S.reply,
               S.wrong == -2 ? " once the first client had left" : "");
    server_stop_clean(&s, "");
}
