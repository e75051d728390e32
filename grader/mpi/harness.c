/* harness.c: the rank side of an MPI exercise's tests (see harness.h).
 * Built with mpicc into each exercise's driver, never into the grader. */
#define _GNU_SOURCE
#include "harness.h"
#include "mpi_trace.h"

#include "timing.h"

#include <fcntl.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1

/* Open MPI and the libraries under it (hwloc, PMIx) drop some memory for
 * good at start-up; only the learner's leaks are worth a report. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libhwloc.so\nleak:libmpi.so\nleak:libopen-pal.so\n"
           "leak:libopen-rte.so\nleak:libpmix.so\nleak:libevent\n"
           "leak:mca_\n";
}
/* symbolize=0: to match a leak of Open MPI's to the suppressions above,
 * the sanitizer named every frame of its stack, and naming the first one
 * (malloc, in libasan) read libasan's 8 MB of debug information, in every
 * rank of every job: a third of an MPI test program's CPU time.  The
 * suppressions name modules, which need no symbols; a learner's frame in
 * a report is named afterwards, by addr2line (report.c). */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
    return "print_suppressions=0:symbolize=0";
}
#endif

static struct gr_mpi_slot spare = { .sent_to = GR_MPI_NONE },
                          *me = &spare; /* this rank's slot */
#define N GR_MPI_NONE
static int my_rank, n_ranks, started;
static MPI_Comm kernel_comm = MPI_COMM_NULL; /* never the learner's messages */

/* ---- the trace: one slot per rank in a shared file ------------------ */

static void open_trace(void)
{
    const char *path = getenv(GR_MPI_TRACE_ENV);
    if (!path || !*path || my_rank >= GR_MPI_MAX_RANKS)
        return;
    int fd = open(path, O_RDWR);
    if (fd < 0)
        return;
    void *p = mmap(NULL, GR_MPI_TRACE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_SHARED, fd, 0);
    close(fd);
    if (p != MAP_FAILED)
        me = (struct gr_mpi_slot *)p + my_rank;
}

static int norm(int v, int any)
{
    return v == any ? GR_MPI_ANY : v;
}

/* This process's CPU seconds (every thread's), for the time spent
 * inside blocking calls: Open MPI spins there while it waits for a peer,
 * so CPU time counts as work only outside them. */
static double proc_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
static double blocked_s, blocked_cpu, cpu_at_enter;
static int spans_on; /* in the step rank 0 marks: keep each call's span */

/* A blocking call starts: note it, and when. */
static void enter(int op, int peer, int tag, int root, long count)
{
    cpu_at_enter = proc_cpu();
    me->op = op;
    me->peer = peer;
    me->tag = tag;
    me->root = root;
    me->count = count;
    me->since = now_s();
    me->calls++;
    me->in_call = 1;
}

/* Sends also leave their address behind: a send nobody receives is the
 * usual cause of a deadlock, and the report names it. */
static void enter_send(int op, int dest, int tag, long count)
{
    me->sent_to = dest;
    me->sent_tag = tag;
    enter(op, dest, tag, N, count);
}

/* The call ends: add its time and CPU time to this rank's time blocked
 * in MPI calls. */
static int leave(int rc)
{
    me->in_call = 0;
    double now = now_s();
    blocked_s += now - me->since;
    blocked_cpu += proc_cpu() - cpu_at_enter;
    if (spans_on && me->nspans < GR_MPI_SPANS) {
        me->span[me->nspans][0] = me->since;
        me->span[me->nspans][1] = now;
        me->nspans++;
    }
    return rc;
}

/* A polling call (MPI_Iprobe, MPI_Test): a streak of the same call keeps
 * the time the streak started. */
static void poll_call(int op, int peer, int tag)
{
    if (me->op != op || me->peer != peer || me->tag != tag)
        me->since = now_s();
    me->op = op;
    me->peer = peer;
    me->tag = tag;
    me->root = GR_MPI_NONE;
    me->calls++;
}

void grh_phase(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(me->phase, sizeof me->phase, fmt, ap);
    va_end(ap);
}

/* ---- the wrappers: MPI_X notes the call, then calls PMPI_X --------- */

#define SRC(s) norm((s), MPI_ANY_SOURCE)
#define TAG(t) norm((t), MPI_ANY_TAG)

int MPI_Send(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m)
{
    enter_send(GR_OP_SEND, d, g, c);
    return leave(PMPI_Send(b, c, t, d, g, m));
}
int MPI_Ssend(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m)
{
    enter_send(GR_OP_SSEND, d, g, c);
    return leave(PMPI_Ssend(b, c, t, d, g, m));
}
int MPI_Rsend(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m)
{
    enter_send(GR_OP_RSEND, d, g, c);
    return leave(PMPI_Rsend(b, c, t, d, g, m));
}
int MPI_Bsend(const void *b, int c, MPI_Datatype t, int d, int g, MPI_Comm m)
{
    enter_send(GR_OP_BSEND, d, g, c);
    return leave(PMPI_Bsend(b, c, t, d, g, m));
}
int MPI_Recv(void *b, int c, MPI_Datatype t, int s, int g, MPI_Comm m,
             MPI_Status *st)
{
    enter(GR_OP_RECV, SRC(s), TAG(g), N, c);
    return leave(PMPI_Recv(b, c, t, s, g, m, st));
}
int MPI_Sendrecv(const void *sb, int sc, MPI_Datatype st, int d, int sg,
                 void *rb, int rc, MPI_Datatype rt, int s, int rg, MPI_Comm m,
                 MPI_Status *status)
{
    me->sent_to = d;
    me->sent_tag = sg;
    enter(GR_OP_SENDRECV, SRC(s), TAG(rg), N, rc);
    return leave(PMPI_Sendrecv(sb, sc, st, d, sg, rb, rc, rt, s, rg, m, status));
}
int MPI_Probe(int s, int g, MPI_Comm m, MPI_Status *st)
{
    enter(GR_OP_PROBE, SRC(s), TAG(g), N, 0);
    return leave(PMPI_Probe(s, g, m, st));
}
int MPI_Mprobe(int s, int g, MPI_Comm m, MPI_Message *msg, MPI_Status *st)
{
    enter(GR_OP_MPROBE, SRC(s), TAG(g), N, 0);
    return leave(PMPI_Mprobe(s, g, m, msg, st));
}
int MPI_Iprobe(int s, int g, MPI_Comm m, int *flag, MPI_Status *st)
{
    poll_call(GR_OP_IPROBE, SRC(s), TAG(g));
    return PMPI_Iprobe(s, g, m, flag, st);
}
int MPI_Test(MPI_Request *r, int *flag, MPI_Status *st)
{
    poll_call(GR_OP_TEST, N, N);
    return PMPI_Test(r, flag, st);
}
int MPI_Testall(int c, MPI_Request r[], int *flag, MPI_Status st[])
{
    poll_call(GR_OP_TESTALL, N, N);
    return PMPI_Testall(c, r, flag, st);
}
int MPI_Testany(int c, MPI_Request r[], int *i, int *flag, MPI_Status *st)
{
    poll_call(GR_OP_TESTANY, N, N);
    return PMPI_Testany(c, r, i, flag, st);
}
int MPI_Wait(MPI_Request *r, MPI_Status *st)
{
    enter(GR_OP_WAIT, N, N, N, 0);
    return leave(PMPI_Wait(r, st));
}
int MPI_Waitall(int c, MPI_Request r[], MPI_Status st[])
{
    enter(GR_OP_WAITALL, N, N, N, c);
    return leave(PMPI_Waitall(c, r, st));
}
int MPI_Waitany(int c, MPI_Request r[], int *i, MPI_Status *st)
{
    enter(GR_OP_WAITANY, N, N, N, c);
    return leave(PMPI_Waitany(c, r, i, st));
}
int MPI_Waitsome(int c, MPI_Request r[], int *o, int i[], MPI_Status st[])
{
    enter(GR_OP_WAITSOME, N, N, N, c);
    return leave(PMPI_Waitsome(c, r, o, i, st));
}
int MPI_Barrier(MPI_Comm m)
{
    enter(GR_OP_BARRIER, N, N, N, 0);
    return leave(PMPI_Barrier(m));
}
int MPI_Bcast(void *b, int c, MPI_Datatype t, int root, MPI_Comm m)
{
    enter(GR_OP_BCAST, N, N, root, c);
    return leave(PMPI_Bcast(b, c, t, root, m));
}
int MPI_Reduce(const void *s, void *r, int c, MPI_Datatype t, MPI_Op op,
               int root, MPI_Comm m)
{
    enter(GR_OP_REDUCE, N, N, root, c);
    return leave(PMPI_Reduce(s, r, c, t, op, root, m));
}
int MPI_Allreduce(const void *s, void *r, int c, MPI_Datatype t, MPI_Op op,
                  MPI_Comm m)
{
    enter(GR_OP_ALLREDUCE, N, N, N, c);
    return leave(PMPI_Allreduce(s, r, c, t, op, m));
}
int MPI_Scatter(const void *s, int sc, MPI_Datatype st, void *r, int rc,
                MPI_Datatype rt, int root, MPI_Comm m)
{
    enter(GR_OP_SCATTER, N, N, root, rc);
    return leave(PMPI_Scatter(s, sc, st, r, rc, rt, root, m));
}
int MPI_Scatterv(const void *s, const int sc[], const int d[], MPI_Datatype st,
                 void *r, int rc, MPI_Datatype rt, int root, MPI_Comm m)
{
    enter(GR_OP_SCATTERV, N, N, root, rc);
    return leave(PMPI_Scatterv(s, sc, d, st, r, rc, rt, root, m));
}
int MPI_Gather(const void *s, int sc, MPI_Datatype st, void *r, int rc,
               MPI_Datatype rt, int root, MPI_Comm m)
{
    enter(GR_OP_GATHER, N, N, root, sc);
    return leave(PMPI_Gather(s, sc, st, r, rc, rt, root, m));
}
int MPI_Gatherv(const void *s, int sc, MPI_Datatype st, void *r, const int rc[],
                const int d[], MPI_Datatype rt, int root, MPI_Comm m)
{
    enter(GR_OP_GATHERV, N, N, root, sc);
    return leave(PMPI_Gatherv(s, sc, st, r, rc, d, rt, root, m));
}
int MPI_Allgather(const void *s, int sc, MPI_Datatype st, void *r, int rc,
                  MPI_Datatype rt, MPI_Comm m)
{
    enter(GR_OP_ALLGATHER, N, N, N, sc);
    return leave(PMPI_Allgather(s, sc, st, r, rc, rt, m));
}
int MPI_Allgatherv(const void *s, int sc, MPI_Datatype st, void *r,
                   const int rc[], const int d[], MPI_Datatype rt, MPI_Comm m)
{
    enter(GR_OP_ALLGATHERV, N, N, N, sc);
    return leave(PMPI_Allgatherv(s, sc, st, r, rc, d, rt, m));
}
int MPI_Alltoall(const void *s, int sc, MPI_Datatype st, void *r, int rc,
                 MPI_Datatype rt, MPI_Comm m)
{
    enter(GR_OP_ALLTOALL, N, N, N, sc);
    return leave(PMPI_Alltoall(s, sc, st, r, rc, rt, m));
}
int MPI_Scan(const void *s, void *r, int c, MPI_Datatype t, MPI_Op op,
             MPI_Comm m)
{
    enter(GR_OP_SCAN, N, N, N, c);
    return leave(PMPI_Scan(s, r, c, t, op, m));
}
int MPI_Exscan(const void *s, void *r, int c, MPI_Datatype t, MPI_Op op,
               MPI_Comm m)
{
    enter(GR_OP_EXSCAN, N, N, N, c);
    return leave(PMPI_Exscan(s, r, c, t, op, m));
}
int MPI_Reduce_scatter_block(const void *s, void *r, int c, MPI_Datatype t,
                             MPI_Op op, MPI_Comm m)
{
    enter(GR_OP_REDUCE_SCATTER_BLOCK, N, N, N, c);
    return leave(PMPI_Reduce_scatter_block(s, r, c, t, op, m));
}

/* The driver owns MPI's lifetime; learner code that starts or ends MPI
 * would break every later call, so say so plainly. */
static _Noreturn void not_yours(const char *call)
{
    fprintf(stderr, "[grader-mpi] rank %d called %s(), but the test driver "
            "has already started MPI and ends it itself: every rank calls "
            "your function between MPI_Init() and MPI_Finalize(), so do not "
            "call either\n", my_rank, call);
    fflush(stderr);
    PMPI_Abort(MPI_COMM_WORLD, 1);
    _exit(1);
}
int MPI_Init(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    not_yours("MPI_Init");
}
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    (void)argc, (void)argv, (void)required, (void)provided;
    not_yours("MPI_Init_thread");
}
int MPI_Finalize(void)
{
    not_yours("MPI_Finalize");
}

/* ---- the driver's side ------------------------------------------------ */

/* A rank's arguments tell a speedup job from the others ("speedup ..."),
 * and /proc/self/cmdline shows them to learner code.  Keep a copy for the
 * driver, and blank the memory that file reads (its bounds are fields 48
 * and 49 of /proc/self/stat), as the sandbox does for every other test. */
static void hide_arguments(int argc, char ***argv)
{
    static char **copy;
    copy = calloc((size_t)argc + 1, sizeof *copy);
    for (int i = 0; copy && i < argc; i++)
        copy[i] = strdup((*argv)[i]);
    char buf[2048];
    unsigned long start, end;
    FILE *f = fopen("/proc/self/stat", "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 48; field++)
        p = strchr(p + 1, ' ');
    if (copy && p && sscanf(p, " %lu %lu", &start, &end) == 2 && start < end) {
        memset((void *)start, 0, end - start);
        *argv = copy;
    }
}

int grh_init(int *argc, char ***argv)
{
    int provided;
#ifdef HAVE_LSAN
    __lsan_disable(); /* what MPI keeps from its start-up is not a leak */
#endif
    PMPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
#ifdef HAVE_LSAN
    __lsan_enable();
#endif
    hide_arguments(*argc, argv);
    PMPI_Comm_rank(MPI_COMM_WORLD, &my_rank);
    PMPI_Comm_size(MPI_COMM_WORLD, &n_ranks);
    PMPI_Comm_dup(MPI_COMM_WORLD, &kernel_comm);
    open_trace();
    me->sent_to = N;
    me->pid = getpid();
    started = 1;
    grh_phase("started");
    return my_rank;
}

int grh_size(void)
{
    return n_ranks;
}

void grh_wait_all(void)
{
    MPI_Request req;
    int done = 0;
    enter(GR_OP_NONE, N, N, N, 0); /* "waiting for the other ranks" */
    PMPI_Ibarrier(MPI_COMM_WORLD, &req);
    while (PMPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
        struct timespec ts = { 0, 50000 }; /* 50 us: cheap, and prompt */
        nanosleep(&ts, NULL);
    }
    leave(0);
}

/* A message still queued for this rank once every rank has returned was
 * sent and never received: it would be picked up by the next call. */
static void check_no_leftover(const char *what)
{
    for (int i = 0; i < 3; i++) {
        int flag = 0;
        MPI_Status st;
        PMPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            fprintf(stderr, "[grader-mpi] after %s returned on every rank, "
                    "a message from rank %d to rank %d (tag %d) was never "
                    "received: every message sent must be received before "
                    "the function returns, or the next call will read it\n",
                    what, st.MPI_SOURCE, my_rank, st.MPI_TAG);
            fflush(stderr);
            PMPI_Abort(MPI_COMM_WORLD, 3);
        }
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
}

void grh_settle(const char *what)
{
    grh_phase("returned from %s; waits for the other ranks", what);
    grh_wait_all();
    check_no_leftover(what);
#ifdef HAVE_LSAN
    /* MPI's own memory is still reachable here; only a leak is not. */
    __lsan_do_recoverable_leak_check();
#endif
    grh_wait_all(); /* no rank starts the next call before all checked */
    grh_phase("between calls");
}

_Noreturn void grh_finish(void)
{
    grh_phase("finishing");
    enter(GR_OP_FINALIZE, N, N, N, 0);
    fflush(NULL);
    PMPI_Finalize();
    leave(0);
    fflush(NULL);
    _exit(0);
}

/* ---- speedup ------------------------------------------------------- */

struct kernel {
    uint64_t iters;
};

/* The same dependent chain as grader/speedup.c: no shortcut, no memory. */
static void spin(void *arg, void *out)
{
    uint64_t n = ((struct kernel *)arg)->iters, x = n;
    for (uint64_t i = 0; i < n; i++)
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    *(volatile uint64_t *)out = x;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

struct step {
    double wall, cpu; /* rank 0's wall time; CPU time of every rank */
    double own;       /* rank 0's own CPU time */
    double mine[5];   /* this rank: pid, seconds until its fn returned,
                         seconds of them blocked in MPI calls, CPU seconds,
                         CPU seconds of them inside blocking MPI calls */
};

/* One timed step: everyone starts together; `all` says whether every
 * rank runs fn or rank 0 alone (the others sleep in the barrier).  With
 * `mark`, rank 0 notes the step's start and end in its trace slot, once,
 * for the grader's sampler (make trace). */
static struct step timed(grh_fn fn, void *arg, void *out, int all, int mark)
{
    grh_wait_all();
    double t0 = now_s(), c0 = cpu_s(), b0 = blocked_s, p0 = proc_cpu(),
           bc0 = blocked_cpu;
    static int marked; /* only the first marked step */
    spans_on = mark && !marked;
    mark = spans_on && my_rank == 0;
    marked |= spans_on;
    if (mark)
        me->window[0] = t0;
    if (all || my_rank == 0)
        fn(arg, out);
    spans_on = 0;
    double returned = now_s() - t0, blocked = blocked_s - b0,
           used = proc_cpu() - p0, spun = blocked_cpu - bc0;
    grh_wait_all();
    if (mark)
        me->window[1] = now_s();
    double mine = cpu_s() - c0;
    struct step s = { now_s() - t0, 0, mine,
                      { getpid(), returned, blocked, used, spun } };
    PMPI_Reduce(&mine, &s.cpu, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    return s;
}

/* Rank 0 prints what each rank did in the learner's step, one line per
 * rank, for the grader's diagnosis (grader/mpijob.c): rank, pid, seconds
 * until it returned, seconds blocked in MPI calls, CPU seconds, and CPU
 * seconds inside blocking MPI calls. */
static void print_ranks(const struct step *d)
{
    static double all[GR_MPI_MAX_RANKS][5];
    if (n_ranks > GR_MPI_MAX_RANKS)
        return;
    PMPI_Gather(d->mine, 5, MPI_DOUBLE, all, 5, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    for (int r = 0; my_rank == 0 && r < n_ranks; r++)
        printf("rank %d %.0f %.6f %.6f %.6f %.6f\n", r, all[r][0], all[r][1],
               all[r][2], all[r][3], all[r][4]);
}

/* The kernel again, handed out the way a master hands out work: rank 0
 * gives `chunks` equal chunks on request and spins small pieces (an
 * eighth of a chunk) itself in between.  On a busy machine a request
 * waits for a peer that the scheduler has set aside, and this kernel pays
 * for that exactly as master/worker code does, so the two are compared
 * on equal terms; arithmetic split in equal shares would not pay it. */
struct mw_kernel {
    uint64_t iters, chunks;
};

static void spin_for(uint64_t n)
{
    struct kernel k = { n };
    uint64_t sink;
    spin(&k, &sink);
}

static void mw_give(uint64_t *left, uint64_t chunk, int *stopped)
{
    MPI_Status st;
    uint64_t give, ask;
    PMPI_Recv(&ask, 1, MPI_UINT64_T, MPI_ANY_SOURCE, 1, kernel_comm, &st);
    give = *left < chunk ? *left : chunk;
    *left -= give;
    *stopped += give == 0;
    PMPI_Send(&give, 1, MPI_UINT64_T, st.MPI_SOURCE, 2, kernel_comm);
}

static void spin_mw(void *arg, void *out)
{
    const struct mw_kernel *k = arg;
    uint64_t chunk = k->iters / k->chunks + 1, piece = chunk / 8 + 1;
    uint64_t left = k->iters, give = 1;
    (void)out;
    if (my_rank != 0) {
        for (;;) {
            PMPI_Send(&give, 1, MPI_UINT64_T, 0, 1, kernel_comm);
            PMPI_Recv(&give, 1, MPI_UINT64_T, 0, 2, kernel_comm, MPI_STATUS_IGNORE);
            if (!give)
                return;
            spin_for(give);
        }
    }
    for (int stopped = 0; left || stopped < n_ranks - 1;) {
        int waiting = 0;
        PMPI_Iprobe(MPI_ANY_SOURCE, 1, kernel_comm, &waiting, MPI_STATUS_IGNORE);
        if (waiting || !left) {
            mw_give(&left, chunk, &stopped);
        } else {
            uint64_t p = left < piece ? left : piece;
            left -= p;
            spin_for(p);
        }
    }
}

/* Size the kernel so that rank 0 alone takes as long as the reference. */
static uint64_t kernel_iters(double target_s)
{
    struct kernel probe = { 1u << 24 };
    uint64_t sink, iters = 0;
    if (my_rank == 0) {
        double t0 = now_s();
        spin(&probe, &sink);
        double per = (now_s() - t0) / (double)probe.iters;
        iters = (uint64_t)((target_s < 0.05 ? 0.05 : target_s) /
                           (per > 0 ? per : 1e-9));
    }
    PMPI_Bcast(&iters, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    return iters;
}

/* The early stop (stop.h), on rank 0; the verdict is rank 0's and all
 * ranks leave together. */
struct clear {
    double pass, bar;
    int on;
    struct gr_early_stop st;
};

static struct clear clear_rule(void)
{
    struct clear c = { 0 };
    const char *v = getenv(GR_MPI_STOP_ENV);
    c.on = v && sscanf(v, "%lf %lf", &c.pass, &c.bar) == 2;
    return c;
}

static int clear_now(struct clear *c, int planned, const struct step *k1,
                     const struct step *kn, const struct step *seq,
                     const struct step *par)
{
    int stop = 0;
    if (my_rank == 0) {
        double t[4] = { k1->wall, kn->wall, seq->wall, par->wall };
        stop = gr_mpi_stop_round(&c->st, t, k1->own / k1->wall,
                                 seq->own / seq->wall, c->pass, c->bar, planned) &&
               c->on;
    }
    PMPI_Bcast(&stop, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return stop;
}

void grh_speedup(const struct grh_speedup *s)
{
    struct clear rule = clear_rule();
    char *ref = calloc(2, s->out_size ? s->out_size : 1);
    char *got = ref + s->out_size;
    uint64_t sink;
    grh_phase("the sequential reference (warm-up)");
    struct step warm = timed(s->sequential, s->arg, ref, 0, 0);
    PMPI_Bcast(&warm.wall, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    uint64_t iters = kernel_iters(warm.wall);
    struct kernel k1 = { iters }, kn = { iters / (uint64_t)n_ranks };
    struct mw_kernel mwk = { iters, (uint64_t)s->kernel_chunks };
    for (int i = 0; i < s->rounds; i++) {
        grh_phase("calibration kernel, round %d", i + 1);
        struct step a = timed(spin, &k1, &sink, 0, 0);
        struct step b = s->kernel_chunks > 0 ? timed(spin_mw, &mwk, &sink, 1, 0)
                                              : timed(spin, &kn, &sink, 1, 0);
        grh_phase("the sequential reference, round %d", i + 1);
        struct step c = timed(s->sequential, s->arg, ref, 0, 0);
        grh_phase("in %s, speedup round %d", s->what, i + 1);
        memset(got, 0, s->out_size);
        struct step d = timed(s->parallel, s->arg, got, 1, 1);
        print_ranks(&d);
        if (my_rank == 0) {
            /* the last two: how much of a core rank 0 got when alone */
            printf("round %.6f %.6f %.6f %.6f %.3f %.3f %d %.3f %.3f\n", a.wall,
                   b.wall, c.wall, d.wall, d.cpu / d.wall, b.cpu / b.wall,
                   memcmp(ref, got, s->out_size) == 0, a.own / a.wall,
                   c.own / c.wall);
            fflush(stdout);
        }
        check_no_leftover(s->what);
        if (clear_now(&rule, s->rounds, &a, &b, &c, &d))
            break;
    }
    free(ref);
}
