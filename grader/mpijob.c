/* mpijob.c: run an MPI exercise's driver under mpirun, and judge it.
 *
 * Plain C: it starts mpirun like any program and learns what the ranks
 * do from the trace file they write (mpi_trace.h), so the grader itself
 * never links MPI.  See mpijob.h for what it guarantees. */
#define _GNU_SOURCE
#include "mpijob.h"
#include "mpi_trace.h"
#include "report.h"

#include "mpirun.h"
#include "sampler.h"
#include "timing.h"
#include "todo.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- what a rank is doing, in words -------------------------------- */

static const char *op_name(int op)
{
    static const char *const names[GR_OP_COUNT_] = {
        [GR_OP_NONE] = "", [GR_OP_SEND] = "MPI_Send", [GR_OP_SSEND] = "MPI_Ssend",
        [GR_OP_RSEND] = "MPI_Rsend", [GR_OP_BSEND] = "MPI_Bsend",
        [GR_OP_RECV] = "MPI_Recv", [GR_OP_SENDRECV] = "MPI_Sendrecv",
        [GR_OP_PROBE] = "MPI_Probe", [GR_OP_MPROBE] = "MPI_Mprobe",
        [GR_OP_IPROBE] = "MPI_Iprobe", [GR_OP_TEST] = "MPI_Test",
        [GR_OP_TESTALL] = "MPI_Testall", [GR_OP_TESTANY] = "MPI_Testany",
        [GR_OP_WAIT] = "MPI_Wait", [GR_OP_WAITALL] = "MPI_Waitall",
        [GR_OP_WAITANY] = "MPI_Waitany", [GR_OP_WAITSOME] = "MPI_Waitsome",
        [GR_OP_BARRIER] = "MPI_Barrier", [GR_OP_BCAST] = "MPI_Bcast",
        [GR_OP_REDUCE] = "MPI_Reduce", [GR_OP_ALLREDUCE] = "MPI_Allreduce",
        [GR_OP_SCATTER] = "MPI_Scatter", [GR_OP_SCATTERV] = "MPI_Scatterv",
        [GR_OP_GATHER] = "MPI_Gather", [GR_OP_GATHERV] = "MPI_Gatherv",
        [GR_OP_ALLGATHER] = "MPI_Allgather", [GR_OP_ALLGATHERV] = "MPI_Allgatherv",
        [GR_OP_ALLTOALL] = "MPI_Alltoall", [GR_OP_SCAN] = "MPI_Scan",
        [GR_OP_EXSCAN] = "MPI_Exscan",
        [GR_OP_REDUCE_SCATTER_BLOCK] = "MPI_Reduce_scatter_block",
        [GR_OP_FINALIZE] = "MPI_Finalize",
    };
    return op > 0 && op < GR_OP_COUNT_ && names[op] ? names[op] : "an MPI call";
}

static int is_polling(int op)
{
    return op >= GR_OP_IPROBE && op <= GR_OP_TESTANY;
}

/* "MPI_Recv(from any rank, tag 2)", "MPI_Send(to rank 1, tag 0)". */
static void describe_call(const struct gr_mpi_slot *s, char *buf, size_t n)
{
    char peer[48] = "", tag[32] = "", root[32] = "";
    int sends = s->op >= GR_OP_SEND && s->op <= GR_OP_BSEND;
    if (s->peer == GR_MPI_ANY)
        snprintf(peer, sizeof peer, "from any rank");
    else if (s->peer != GR_MPI_NONE)
        snprintf(peer, sizeof peer, "%s rank %d", sends ? "to" : "from", s->peer);
    if (s->tag == GR_MPI_ANY)
        snprintf(tag, sizeof tag, "%sany tag", peer[0] ? ", " : "");
    else if (s->tag != GR_MPI_NONE)
        snprintf(tag, sizeof tag, "%stag %d", peer[0] ? ", " : "", s->tag);
    if (s->root != GR_MPI_NONE)
        snprintf(root, sizeof root, "root %d", s->root);
    snprintf(buf, n, "%s(%s%s%s)", op_name(s->op), peer, tag, root);
}

enum rank_state { R_GONE, R_BLOCKED, R_POLLING, R_WAITING_DRIVER, R_FINALIZING,
                  R_RUNNING };

static int alive(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    char *rp = strrchr(buf, ')'), state = 'Z';
    if (rp)
        sscanf(rp + 1, " %c", &state);
    return state != 'Z' && state != 'X';
}

/* Compare two looks at a rank, `gap` seconds apart. */
static enum rank_state rank_state(const struct gr_mpi_slot *a,
                                  const struct gr_mpi_slot *b)
{
    if (!b->pid || !alive(b->pid))
        return R_GONE;
    if (b->in_call && a->calls == b->calls)
        return b->op == GR_OP_FINALIZE ? R_FINALIZING
               : b->op == GR_OP_NONE   ? R_WAITING_DRIVER : R_BLOCKED;
    if (!b->in_call && b->calls > a->calls && is_polling(b->op))
        return R_POLLING;
    return R_RUNNING;
}

static void describe_rank(int rank, const struct gr_mpi_slot *a,
                          const struct gr_mpi_slot *b, enum rank_state st,
                          double now, char *buf, size_t n)
{
    char call[160], phase[200] = "";
    describe_call(b, call, sizeof call);
    if (b->phase[0] && st != R_WAITING_DRIVER && st != R_FINALIZING)
        snprintf(phase, sizeof phase, " (%.150s)", b->phase);
    double for_s = now - b->since;
    char sent[80] = "";
    int sending = b->op >= GR_OP_SEND && b->op <= GR_OP_BSEND;
    if (b->sent_to != GR_MPI_NONE && !sending)
        snprintf(sent, sizeof sent, " after its last send, to rank %d with tag %d",
                 b->sent_to, b->sent_tag);
    switch (st) {
    case R_GONE:
        snprintf(buf, n, "rank %d had ended", rank);
        break;
    case R_BLOCKED:
        snprintf(buf, n, "rank %d%s was blocked in %s for %.1f s%s", rank,
                 phase, call, for_s, sent);
        break;
    case R_POLLING:
        snprintf(buf, n, "rank %d%s was polling %s (%lu calls in the last "
                 "0.3 s) for %.1f s%s", rank, phase, call, b->calls - a->calls,
                 for_s, sent);
        break;
    case R_WAITING_DRIVER:
        snprintf(buf, n, "rank %d %.150s", rank, b->phase);
        break;
    case R_FINALIZING:
        snprintf(buf, n, "rank %d had finished and waited in MPI_Finalize()",
                 rank);
        break;
    case R_RUNNING:
        if (b->calls)
            snprintf(buf, n, "rank %d%s was running its own code (its last "
                     "MPI call, %s, was %.1f s ago)", rank, phase, call, for_s);
        else
            snprintf(buf, n, "rank %d%s was running its own code", rank, phase);
        break;
    }
}

/* A deadlock need not wait for the timeout.  Once every rank that
 * started MPI has sat in one blocking call (or in MPI_Finalize) for
 * STUCK_S, at least one of them in a call that needs another rank, no
 * rank is left to make the call another waits for: a blocking call whose
 * partner has posted its side ends within milliseconds, and a rank that
 * polls (MPI_Iprobe, MPI_Test) or runs its own code is never counted
 * here, so such a job still runs to its timeout.  The MPI deadlock
 * mutant's three tests took 8 s each at the timeout, 2.6 s with 2 s here;
 * now about 1.6 s, its ranks spinning in MPI meanwhile.  A blocking call
 * whose partner has posted ends within milliseconds, even with 7 ranks
 * on 2 cores: 1 s leaves a wide margin. */
#define STUCK_S 1.0

static int looks_stuck(const struct gr_mpi_slot *s, int ranks)
{
    int blocked = 0;
    double now = now_s();
    for (int i = 0; i < ranks && i < GR_MPI_MAX_RANKS; i++) {
        if (!s[i].pid || !s[i].in_call || s[i].op == GR_OP_NONE)
            return 0;
        if (s[i].op == GR_OP_FINALIZE)
            continue;
        if (now - s[i].since < STUCK_S)
            return 0;
        blocked++;
    }
    return blocked > 0;
}

/* The report on a job that overran, or that was seen stuck after
 * `early_s` (0: at its timeout): one clause per rank, and whether the
 * ranks were all waiting on one another. */
static void report_hang(struct gr_mpi_run *r, const struct gr_mpi_slot *a,
                        const struct gr_mpi_slot *b, int ranks, double timeout_s,
                        double early_s)
{
    char list[1200] = "";
    size_t used = 0;
    int waiting = 0, running = 0, known = 0;
    double now = now_s();
    for (int i = 0; i < ranks && i < GR_MPI_MAX_RANKS; i++) {
        enum rank_state st = rank_state(&a[i], &b[i]);
        known += b[i].pid != 0;
        running += st == R_RUNNING;
        waiting += st == R_BLOCKED || st == R_POLLING;
        if (i >= 8) /* the first eight ranks tell the story */
            continue;
        char one[400];
        describe_rank(i, &a[i], &b[i], st, now, one, sizeof one);
        if (used < sizeof list)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     i ? "; " : "", one);
    }
    if (ranks > 8 && used < sizeof list)
        snprintf(list + used, sizeof list - used, "; ...");
    r->deadlock = known && waiting && !running;
    if (r->deadlock && early_s > 0)
        snprintf(r->problem, sizeof r->problem,
                 "deadlock: %.1f s into the job (its limit was %g s), every "
                 "rank had been waiting for another for %g s or more: %s. "
                 "Each receive needs a matching send (same ranks, same tag, "
                 "same communicator), and each rank must take part in every "
                 "collective", early_s, timeout_s, STUCK_S, list);
    else if (r->deadlock)
        snprintf(r->problem, sizeof r->problem,
                 "deadlock: the job did not finish within %g s and every "
                 "rank was waiting for another: %s. Each receive needs a "
                 "matching send (same ranks, same tag, same communicator), "
                 "and each rank must take part in every collective",
                 timeout_s, list);
    else if (known)
        snprintf(r->problem, sizeof r->problem,
                 "did not finish within %g s and was stopped: %s. Too slow, "
                 "or an endless loop?", timeout_s, list);
    else
        snprintf(r->problem, sizeof r->problem,
                 "did not finish within %g s and was stopped before any rank "
                 "had started MPI (is mpirun working? try `%s --version`)",
                 timeout_s, mpirun_program());
}

/* ---- what the job said when it ended ------------------------------- */

static const char *line_after(const char *text, const char *mark, char *buf,
                              size_t n)
{
    const char *p = strstr(text, mark);
    if (!p)
        return NULL;
    p += strlen(mark);
    size_t len = strcspn(p, "\n");
    snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), p);
    return buf;
}

static int sanitizer(struct gr_mpi_run *r)
{
    char where[400] = "", kind[100] = "memory error";
    gr_learner_frame(r->err, where, sizeof where);
    const char *asan = strstr(r->err, "ERROR: AddressSanitizer: ");
    const char *ub = strstr(r->err, "runtime error: ");
    if (asan) {
        sscanf(asan, "ERROR: AddressSanitizer: %99s", kind);
        snprintf(r->problem, sizeof r->problem,
                 "crashed: AddressSanitizer found a %s%s%s", kind,
                 where[0] ? " in " : "", where);
        return 1;
    }
    if (ub) {
        const char *bol = ub;
        while (bol > r->err && bol[-1] != '\n')
            bol--;
        size_t len = strcspn(bol, "\n");
        snprintf(r->problem, sizeof r->problem, "undefined behaviour: %.*s",
                 (int)(len < 600 ? len : 600), bol);
        return 1;
    }
    return 0;
}

static void leak(struct gr_mpi_run *r)
{
    long bytes = 0;
    int allocs = 0;
    const char *sum = strstr(r->err, "SUMMARY: AddressSanitizer: ");
    if (!sum || sscanf(sum, "SUMMARY: AddressSanitizer: %ld byte(s) leaked in %d",
                       &bytes, &allocs) != 2)
        return;
    char where[400] = "a library call";
    gr_learner_frame(r->err, where, sizeof where);
    snprintf(r->problem, sizeof r->problem,
             "%ld byte%s of memory leaked in %d allocation%s on one rank "
             "(LeakSanitizer); the first was allocated in %s: free what you "
             "allocate", bytes, bytes == 1 ? "" : "s", allocs,
             allocs == 1 ? "" : "s", where);
}

static void classify_end(struct gr_mpi_run *r)
{
    char line[700], call[64] = "an MPI call";
    if (gr_todo_sentence(r->err, r->problem, sizeof r->problem)) {
        r->outcome = GR_NOT_STARTED;
    } else if (line_after(r->err, "[grader-mpi] ", line, sizeof line)) {
        r->outcome = GR_EXITED;
        snprintf(r->problem, sizeof r->problem, "%s", line);
    } else if (sanitizer(r)) {
        r->outcome = GR_CRASH;
    } else if (line_after(r->err, "An error occurred in ", call, sizeof call)) {
        char what[300] = "";
        const char *e = strstr(r->err, "MPI_ERR_");
        if (e)
            snprintf(what, sizeof what, ": %.*s", (int)strcspn(e, "\n"), e);
        r->outcome = GR_CRASH;
        snprintf(r->problem, sizeof r->problem,
                 "MPI stopped the job: %s failed%s (a rank, tag, count, type "
                 "or communicator it could not accept)", call, what);
    } else if (line_after(r->err, "exited on signal ", line, sizeof line)) {
        int rank = -1;
        const char *p = strstr(r->err, "process rank ");
        if (p)
            sscanf(p, "process rank %d", &rank);
        r->outcome = GR_CRASH;
        snprintf(r->problem, sizeof r->problem, "rank %d crashed: signal %s",
                 rank, line);
    } else if (r->status != 0) {
        int code = -1;
        const char *p = strstr(r->err, "Exit code:");
        if (p)
            sscanf(p, "Exit code: %d", &code);
        r->outcome = GR_EXITED;
        if (code >= 0)
            snprintf(r->problem, sizeof r->problem,
                     "a rank ended the program with exit(%d) instead of "
                     "returning from the function", code);
        else
            snprintf(r->problem, sizeof r->problem,
                     "the job failed (mpirun exited with status %d): %.400s",
                     r->status, r->err[0] ? r->err : "no message");
    } else {
        leak(r);
    }
}

/* ---- running the job ------------------------------------------------ */

static const char *driver_path(char *buf, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", buf, n - 5);
    if (len < 0)
        return NULL;
    strcpy(buf + len, ".mpi");
    return buf;
}

static int trace_file(char *path, size_t n)
{
    snprintf(path, n, "%s/gr-mpi-trace-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0 && ftruncate(fd, GR_MPI_TRACE_SIZE) != 0) {
        close(fd);
        unlink(path);
        return -1;
    }
    return fd;
}

static pid_t launch(const char *program, int ranks, char *args, const char *trace,
                    int out_fd, int err_fd)
{
    const char *cmd[64], *argv[96];
    int c = 0;
    cmd[c++] = program;
    for (char *save, *w = strtok_r(args, " ", &save); w && c < 63;
         w = strtok_r(NULL, " ", &save))
        cmd[c++] = w;
    cmd[c] = NULL;
    mpirun_argv(argv, ranks, cmd);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setsid(); /* the job's session: kill_session() reaches every rank */
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        setenv(GR_MPI_TRACE_ENV, trace, 1);
        /* A rank waiting in a blocking call polls; Open MPI spins unless
         * the node is oversubscribed.  Yielding while it waits costs a
         * timed job nothing (alone on the machine, nothing else wants the
         * core) and lets untimed work beside a waiting or deadlocked job
         * run: the deadlock mutant's ranks spun through 1 s of each test.
         * Every job gets it, timed or not, so the learner's code cannot
         * tell the two apart by it; a setting of one's own wins. */
        setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s (install Open MPI: make deps)\n",
                argv[0], strerror(errno));
        _exit(127);
    }
    return pid;
}

/* The trace slots as the last job left them (make trace reads the
 * ranks' blocking calls here), or as a hang report first saw them. */
static struct gr_mpi_slot last_slots[GR_MPI_MAX_RANKS];

/* Has a rank said that it is not started (TODO() prints TODO_PREFIX)?
 * The job is then over: Open MPI would take a second or more to tear the
 * other ranks down, and an unstarted stub should fail at once. */
static int said_todo(int err_fd)
{
    char buf[16384];
    ssize_t n = pread(err_fd, buf, sizeof buf, 0);
    return n > 0 && memmem(buf, (size_t)n, TODO_PREFIX, sizeof TODO_PREFIX - 1) != NULL;
}

/* Two looks at the ranks, 0.3 s apart, and the report from them (see
 * report_hang); 1 when they show a deadlock.  A look before the timeout
 * (early_s > 0) that shows none leaves no report. */
static int two_looks(struct gr_mpi_run *r, const struct gr_mpi_slot *slots,
                     int ranks, double timeout_s, double early_s)
{
    memcpy(last_slots, slots, sizeof last_slots);
    struct timespec ts = { 0, 300000000 };
    nanosleep(&ts, NULL);
    report_hang(r, last_slots, slots, ranks, timeout_s, early_s);
    if (early_s > 0 && !r->deadlock)
        r->problem[0] = '\0';
    return r->deadlock;
}

struct gr_mpi_run gr_mpirun_prog(const char *program, int ranks,
                                 const char *args, double timeout_s)
{
    struct gr_mpi_run r = { .outcome = GR_OK };
    char trace[128], copy[2048];
    timeout_s = timeout_s > 0 ? timeout_s : 10;
    if (access(program, X_OK) != 0) {
        r.outcome = GR_CRASH;
        snprintf(r.problem, sizeof r.problem, "the MPI program %s is missing: "
                 "build it with `make %s`", program, program);
        return r;
    }
    int tfd = trace_file(trace, sizeof trace);
    struct gr_mpi_slot *slots = tfd < 0 ? MAP_FAILED :
        mmap(NULL, GR_MPI_TRACE_SIZE, PROT_READ, MAP_SHARED, tfd, 0);
    int out_fd = memfd_create("mpi-stdout", MFD_CLOEXEC);
    int err_fd = memfd_create("mpi-stderr", MFD_CLOEXEC);
    snprintf(copy, sizeof copy, "%s", args ? args : "");
    double start = now_s();
    pid_t pid = launch(program, ranks, copy, trace, out_fd, err_fd);
    if (pid > 0) /* make trace, when armed: the window rank 0 marks */
        gr_sampler_begin(pid, "", slots != MAP_FAILED ? slots[0].window : NULL);
    int status = 0, late = 0, todo = 0;
    for (int turn = 1; pid > 0 && waitpid(pid, &status, WNOHANG) == 0; turn++) {
        if (now_s() - start > timeout_s) {
            late = 1;
            break;
        }
        if (turn % 10 == 0 && (todo = said_todo(err_fd)))
            break;
        if (turn % 100 == 0 && slots != MAP_FAILED && looks_stuck(slots, ranks) &&
            two_looks(&r, slots, ranks, timeout_s, now_s() - start)) {
            late = 1;
            break;
        }
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
    if (late && !r.deadlock && slots != MAP_FAILED) /* at the limit */
        two_looks(&r, slots, ranks, timeout_s, 0);
    if (pid > 0) {
        gr_sampler_end(pid);
        kill_session(pid);
        if (late || todo)
            waitpid(pid, &status, 0);
    }
    r.wall = now_s() - start;
    r.status = late ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    gr_read_capture(out_fd, r.out, sizeof r.out, 0);
    gr_read_capture(err_fd, r.err, sizeof r.err, 1);
    if (late) {
        r.outcome = GR_TIMEOUT;
        if (slots == MAP_FAILED)
            snprintf(r.problem, sizeof r.problem, "did not finish within %g s "
                     "and was stopped", timeout_s);
    } else if (pid < 0) {
        r.outcome = GR_CRASH;
        snprintf(r.problem, sizeof r.problem, "could not start mpirun: %s",
                 strerror(errno));
    } else {
        classify_end(&r);
    }
    if (slots != MAP_FAILED) {
        if (!late)
            memcpy(last_slots, slots, sizeof last_slots);
        munmap(slots, GR_MPI_TRACE_SIZE);
    }
    if (tfd >= 0) {
        close(tfd);
        unlink(trace);
    }
    close(out_fd);
    close(err_fd);
    return r;
}

struct gr_mpi_run gr_mpirun(int ranks, const char *args, double timeout_s)
{
    char driver[4096];
    if (!driver_path(driver, sizeof driver)) {
        struct gr_mpi_run r = { .outcome = GR_CRASH };
        snprintf(r.problem, sizeof r.problem, "the grader cannot find its own binary");
        return r;
    }
    return gr_mpirun_prog(driver, ranks, args, timeout_s);
}

/* ---- the speedup judge ---------------------------------------------- */

enum { MAX_ROUNDS = 15, ATTEMPTS = 3 };

static double env_double(const char *name, double fallback)
{
    const char *v = getenv(name);
    return v && *v ? atof(v) : fallback;
}

static enum gr_verdict say(char *msg, size_t n, enum gr_verdict v,
                           const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum gr_verdict say(char *msg, size_t n, enum gr_verdict v,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, n, fmt, ap);
    va_end(ap);
    return v;
}

enum { RANKS_SEEN = 16 }; /* ranks whose own figures are judged */

struct rounds {
    int n, differ;
    double k1[MAX_ROUNDS], kn[MAX_ROUNDS], seq[MAX_ROUNDS], par[MAX_ROUNDS],
        par_cpu[MAX_ROUNDS], kn_cpu[MAX_ROUNDS];
    double k1_own[MAX_ROUNDS], seq_own[MAX_ROUNDS]; /* share of a core, alone */
    /* each rank in the learner's step: pid, seconds until it returned,
     * seconds blocked in MPI calls, CPU seconds, CPU seconds inside
     * blocking MPI calls (harness.h) */
    int nranks[MAX_ROUNDS];
    double rank[MAX_ROUNDS][RANKS_SEEN][5];
};

static void parse_rounds(const char *out, struct rounds *m)
{
    memset(m, 0, sizeof *m);
    for (const char *p = out; p && *p && m->n < MAX_ROUNDS; p = strchr(p, '\n')) {
        p += *p == '\n';
        int i = m->n, same, r;
        double *f = m->rank[i][0];
        if (sscanf(p, "rank %d", &r) == 1 && r >= 0 && r < RANKS_SEEN) {
            f = m->rank[i][r];
            if (sscanf(p, "rank %*d %lf %lf %lf %lf %lf", &f[0], &f[1], &f[2],
                       &f[3], &f[4]) == 5)
                m->nranks[i] = r + 1 > m->nranks[i] ? r + 1 : m->nranks[i];
        } else if (sscanf(p, "round %lf %lf %lf %lf %lf %lf %d %lf %lf", &m->k1[i],
                   &m->kn[i], &m->seq[i], &m->par[i], &m->par_cpu[i],
                   &m->kn_cpu[i], &same, &m->k1_own[i], &m->seq_own[i]) == 9) {
            m->differ += !same;
            m->n++;
        }
    }
}

/* ---- why a job was slow: each rank's own figures ------------------- */

/* A rank's work is its CPU time in the learner's call outside blocking
 * MPI calls: Open MPI spins while it waits, so its whole CPU time would
 * count waiting as work, and wall time would count a rank that the
 * scheduler set aside on a busy machine as working.  Thresholds: a
 * balanced pair splits about 50:50; the cyclic and root-only mutants
 * leave one rank above 95%; the uneven-blocks mutant (1:3) leaves the
 * light rank near half the mean. */
#define RANK_TOP 0.85 /* one rank's share of all the ranks' work */
#define RANK_LOW 0.70 /* the lightest rank's work over the mean rank's */
#define RANK_WAITED 0.25 /* ... which spent more than this share of its
                            time in the call blocked in MPI calls: a rank
                            that merely got less CPU on a busy machine
                            (the master_worker solution once split 72:28
                            so, blocked for 4%) is not short of work */

enum mpi_cause { MC_NONE, MC_ONE, MC_MASTER, MC_UNEVEN, MC_COUNT };
static const char *const mpi_cause_name[MC_COUNT] = {
    "none", "one rank", "the master doing the work", "imbalance",
};

/* Classify one round; the cause as one clause with its figures in buf. */
static enum mpi_cause mpi_diagnose(const double (*rk)[5], int n, int master,
                                   char *buf, size_t len)
{
    double work[RANKS_SEEN], sum = 0;
    int top = 0, low = 0;
    for (int r = 0; r < n && r < RANKS_SEEN; r++) {
        work[r] = rk[r][3] > rk[r][4] ? rk[r][3] - rk[r][4] : 0;
        sum += work[r];
        top = work[r] > work[top] ? r : top;
        low = work[r] < work[low] ? r : low;
    }
    buf[0] = '\0';
    if (n < 2 || n > RANKS_SEEN || sum <= 0)
        return MC_NONE;
    double share = work[top] / sum, mean = sum / n;
    if (rk[low][1] <= 0 || rk[low][2] < RANK_WAITED * rk[low][1])
        return MC_NONE; /* the light rank was not waiting for the others */
    if (share > RANK_TOP && master && top == 0) {
        snprintf(buf, len, "rank 0, the master, did %.0f%% of the ranks' "
                 "work (their CPU time outside blocking MPI calls) while the "
                 "workers waited for chunks: the master kept the work "
                 "instead of handing it out", 100 * share);
        return MC_MASTER;
    }
    if (share > RANK_TOP) {
        snprintf(buf, len, "rank %d did %.0f%% of the ranks' work (their "
                 "CPU time outside blocking MPI calls) while the others "
                 "waited in MPI calls: one rank did the work", top,
                 100 * share);
        return MC_ONE;
    }
    if (work[low] < RANK_LOW * mean) {
        snprintf(buf, len, "rank %d computed for %.3f s of CPU time and "
                 "waited %.3f s in MPI calls, while rank %d computed for "
                 "%.3f s: the work is not "
                 "split evenly between the ranks (blocks of unequal size, "
                 "or equal blocks of numbers that do not cost the same?)", low, work[low], rk[low][2], top,
                 work[top]);
        return MC_UNEVEN;
    }
    return MC_NONE;
}

/* "; in 4 of 5 rounds the record shows imbalance: ... (make trace EX=...
 * draws it)", or "" when no cause held in most rounds. */
static const char *mpi_cause_of(const struct rounds *m, int master, char *buf,
                                size_t n)
{
    int count[MC_COUNT] = { 0 }, best = MC_NONE;
    char said[MC_COUNT][400];
    for (int i = 0; i < m->n; i++) {
        char clause[400];
        enum mpi_cause c = mpi_diagnose((const double (*)[5])m->rank[i],
                                        m->nranks[i], master, clause, sizeof clause);
        count[c]++;
        snprintf(said[c], sizeof said[c], "%s", clause);
    }
    for (int c = 1; c < MC_COUNT; c++)
        best = count[c] > count[best] ? c : best;
    buf[0] = '\0';
    const char *ex = strstr(gr_rerun(), "EX="); /* grade.py's re-run command */
    int len = ex ? (int)strcspn(ex + 3, " ") : 0;
    if (ex && !memchr(ex + 3, '/', (size_t)len)) /* not NN-slug/name */
        ex = NULL, len = 0;
    if (best != MC_NONE && 2 * count[best] > m->n)
        snprintf(buf, n, "; in %d of %d rounds the record shows %s: %s (make "
                 "trace%s%.*s draws it)", count[best], m->n,
                 mpi_cause_name[best], said[best], ex ? " EX=" : "", len,
                 ex ? ex + 3 : "");
    return buf;
}

struct judging {
    const struct gr_mpi_speedup *s;
    int ranks, rounds;
    double pass, bar, K; /* K: the last kernel speedup measured */
    int slow;            /* the last job failed on its timings alone */
    int final;           /* ... with every round clear by far under the mark */
    struct rounds m;     /* the last job's figures */
};

/* Did the job stop early by the rule it was given (mpi_trace.h)?  The
 * rounds it printed must show it, or the missing ones are a failure.
 * clear_low and far_fast: its failure is final (stop.h). */
static int stopped_clear(const struct judging *j, const struct rounds *m, int eff,
                         int *clear_low, int *far_fast)
{
    struct gr_early_stop st = { 0 };
    int stop = 0, far = 1, one_core = 1;
    *clear_low = *far_fast = 0;
    if (!getenv(GR_MPI_STOP_ENV))
        return 0;
    for (int i = 0; i < m->n; i++) {
        double t[4] = { m->k1[i], m->kn[i], m->seq[i], m->par[i] };
        stop = gr_mpi_stop_round(&st, t, m->k1_own[i], m->seq_own[i], j->pass,
                                 j->bar, j->rounds);
        int fit = gr_mpi_round_fit(t, m->k1_own[i], m->seq_own[i], j->bar);
        gr_final_kind(&far, &one_core, fit, t[2] / t[3], m->par_cpu[i], m->kn_cpu[i], eff);
    }
    *clear_low = stop && gr_early_clear_low(&st);
    *far_fast = stop && m->n >= 2 && far;
    return stop;
}

/* One job of interleaved rounds, judged: GR_SKIP when the kernel itself
 * could not speed up (the machine is too busy to tell). */
static enum gr_verdict judge_job(struct judging *j, char *msg, size_t n)
{
    const struct gr_mpi_speedup *s = j->s;
    char args[1024];
    snprintf(args, sizeof args, "%s %d", s->args, j->rounds);
    j->slow = j->final = 0;
    double limit = s->timeout_s ? s->timeout_s : 60;
    struct gr_mpi_run run = s->program ? gr_mpirun_prog(s->program, j->ranks, args, limit)
                                       : gr_mpirun(j->ranks, args, limit);
    if (run.problem[0])
        return say(msg, n, GR_FAIL, "%s: %s", s->what, run.problem);
    struct rounds m;
    parse_rounds(run.out, &m);
    j->m = m;
    char why[1024];
    int eff = j->ranks < usable_cores() ? j->ranks : usable_cores();
    int clear_low, far_fast, stopped = stopped_clear(j, &m, eff, &clear_low, &far_fast);
    if (m.n < j->rounds && !stopped)
        return say(msg, n, GR_FAIL, "%s: the speedup job printed %d of its "
                   "%d rounds of measurements", s->what, m.n, j->rounds);
    if (m.differ)
        return say(msg, n, GR_FAIL, "%s: gave a different result from the "
                   "sequential reference during the speedup runs", s->what);
    double k1 = median(m.k1, m.n), kn = median(m.kn, m.n);
    double seq = median(m.seq, m.n), par = median(m.par, m.n);
    double par_cpu = median(m.par_cpu, m.n), kn_cpu = median(m.kn_cpu, m.n);
    double S = seq / par, score = S / (j->K = k1 / kn);
    /* As in speedup.c: a one-rank run that did not get 85% of a core
     * means other programs took it, and K or S would be inflated. */
    double alone = median(m.k1_own, m.n) < median(m.seq_own, m.n)
                       ? median(m.k1_own, m.n) : median(m.seq_own, m.n);
    if (j->K < j->bar || alone < 0.85)
        return GR_SKIP;
    /* CPU beyond wall time proves that several cores worked, but only when
     * the kernel itself got more than one core's worth (a busy machine
     * may give two ranks less than one core between them). */
    double need_cpu = kn_cpu > 1.2 ? 1 + 0.5 * (kn_cpu - 1) : 0;
    /* As in speedup.c: N ranks cannot make the reference more than N times
     * faster; beyond 1.25 x N the code runs a different algorithm. */
    double most = 1.25 * eff;
    j->slow = score < j->pass || par_cpu < need_cpu || S > most;
    /* stop.h: no second job */
    j->final = (score < j->pass && clear_low) || (S > most && far_fast);
    if (S > most)
        return say(msg, n, GR_FAIL, "%s: a different algorithm, not "
                   "parallelism: on %d ranks it ran %.2fx faster than the "
                   "sequential reference on one, more than %d ranks can give "
                   "(at most 1.25 x %d = %.2fx; medians of %d interleaved "
                   "rounds). Parallelise the reference's method, as the "
                   "contract asks", s->what, j->ranks, S, eff, eff, most, m.n);
    if (score < j->pass)
        return say(msg, n, GR_FAIL, "%s: not enough speedup: on %d ranks it "
                   "ran %.2fx faster than the sequential reference on one, "
                   "while a calibration kernel reached %.2fx on the same "
                   "%d ranks in the same job (score %.2f, pass mark %.2f; "
                   "medians of %d interleaved rounds)%s%s",
                   s->what, j->ranks, S, j->K, j->ranks, score, j->pass, m.n,
                   par_cpu < need_cpu ? ". Its CPU time was about its wall "
                   "time: one rank did the work while the others waited" : "",
                   mpi_cause_of(&m, s->master, why, sizeof why));
    if (par_cpu < need_cpu)
        return say(msg, n, GR_FAIL, "%s: fast, but not parallel: its CPU "
                   "time was only %.2fx its wall time on %d ranks, where "
                   "the calibration kernel reached %.2fx; spread the work "
                   "over the ranks%s", s->what, par_cpu, j->ranks, kn_cpu,
                   mpi_cause_of(&m, s->master, why, sizeof why));
    return say(msg, n, GR_PASS, "%s: %.2fx on %d ranks, kernel %.2fx, "
               "score %.2f", s->what, S, j->ranks, j->K, score);
}

/* Each rank's blocking MPI calls in the traced step, as seconds into the
 * record: "# mpi R t0 t1" (trace.py shows them as waiting in MPI). */
static void write_spans(FILE *f, int ranks)
{
    double start = last_slots[0].window[0];
    for (int r = 0; r < ranks && r < GR_MPI_MAX_RANKS && start > 0; r++) {
        int n = last_slots[r].nspans < GR_MPI_SPANS ? last_slots[r].nspans
                                                    : GR_MPI_SPANS;
        for (int i = 0; i < n; i++)
            fprintf(f, "# mpi %d %.4f %.4f\n", r,
                    last_slots[r].span[i][0] - start,
                    last_slots[r].span[i][1] - start);
    }
}

/* make trace (tools/trace.py): one job of one round, sampled while every
 * rank runs the learner's version (the window rank 0 marks), every
 * rank's threads, written to `path` with each rank's pid; the test then
 * skips. */
static enum gr_verdict trace_job(struct judging *j, const char *path, char *msg,
                                 size_t n)
{
    static struct gr_record record;
    j->rounds = 1;
    gr_sampler_arm(&record);
    msg[0] = '\0';
    enum gr_verdict v = judge_job(j, msg, n);
    FILE *f = gr_record_write(&record, path) == 0 ? fopen(path, "a") : NULL;
    if (f) { /* the judge's own verdict on this one round, when it failed */
        char clause[400];
        enum mpi_cause c = mpi_diagnose((const double (*)[5])j->m.rank[0],
                                        j->m.nranks[0], j->s->master, clause,
                                        sizeof clause);
        fprintf(f, "# run: %s, %d ranks, the first round's run of this "
                "version\n# verdict: %s\n# cause: %s: %s\n", j->s->what,
                j->ranks, v == GR_FAIL ? msg : v == GR_PASS ? "passed" :
                "not judged", mpi_cause_name[c], c == MC_NONE ? "no flaw stands "
                "out in this run" : clause);
        for (int r = 0; r < j->m.nranks[0]; r++) /* trace.py names the lanes */
            fprintf(f, "# rank %d pid %.0f\n", r, j->m.rank[0][r][0]);
        write_spans(f, j->m.nranks[0]);
        fclose(f);
    }
    return say(msg, n, GR_SKIP, "traced into %s (%s)", path,
               v == GR_FAIL ? "it failed" : "judged nothing");
}

enum gr_verdict gr_judge_mpi_speedup(const struct gr_mpi_speedup *s, char *msg,
                                     size_t n)
{
    int cores = usable_cores();
    if (cores < 2)
        return say(msg, n, GR_SKIP, "skipped: only 1 usable core, so a speedup "
                   "cannot be measured here; run it on a machine with 2 or more");
    struct judging j = { .s = s, .ranks = s->ranks > 0 ? s->ranks : cores };
    int eff = j.ranks < cores ? j.ranks : cores;
    j.rounds = (int)env_double("GRADER_ROUNDS", s->rounds ? s->rounds : 5);
    j.rounds = j.rounds < 1 ? 1 : j.rounds > MAX_ROUNDS ? MAX_ROUNDS : j.rounds;
    j.pass = env_double("GRADER_SPEEDUP_PASS", s->pass_mark ? s->pass_mark : 0.75);
    j.bar = 1 + 0.3 * (eff - 1);
    /* Messages suffer more than arithmetic from a busy machine (a rank
     * waits for a peer that the scheduler has set aside), so a job judged
     * too slow is measured once more, and fails only if no later job
     * passes; unless every round of it was clear by far under the mark
     * (stop.h, gr_early_clear_low).  Crashes and wrong results fail at
     * once. */
    const char *traced = getenv("GRADER_TRACE");
    if (traced && *traced) /* make trace: one sampled job of one round */
        return trace_job(&j, traced, msg, n);
    char first[1024] = "", stop[64];
    snprintf(stop, sizeof stop, "%.4f %.4f", j.pass, j.bar);
    if (gr_early()) /* GRADER_EARLY=0: every round, for tools/fairness.py */
        setenv(GR_MPI_STOP_ENV, stop, 1); /* the job inherits it */
    enum gr_verdict v = GR_SKIP;
    for (int job = 0; job < ATTEMPTS + 1; job++) {
        v = judge_job(&j, msg, n);
        if (v == GR_PASS || (v == GR_FAIL && (!j.slow || first[0] || j.final)))
            break;
        if (j.slow)
            snprintf(first, sizeof first, "%s", msg);
    }
    unsetenv(GR_MPI_STOP_ENV);
    if (v == GR_PASS || v == GR_FAIL)
        return v;
    if (first[0])
        return say(msg, n, GR_FAIL, "%s", first);
    return say(msg, n, GR_SKIP, "skipped as inconclusive: this machine is too "
               "busy to judge a speedup (the calibration kernel reached only "
               "%.2fx on %d ranks; %.2fx is needed). Re-run when it is idle: %s",
               j.K, j.ranks, j.bar, gr_rerun());
}
