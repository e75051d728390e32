/* bench_c10k.c: N requests to the slow server at once, from one thread on
 * the event loop, or from N threads that each block on one request.
 *
 * This is the case the event loop was made for: slow I/O and many
 * connections.  Both clients finish in about one server delay, because
 * both wait for all N replies at the same time.  What differs is the cost
 * of waiting: a thread needs a stack (8 MB of address space by default, a
 * few pages of it actually touched), a kernel task, and two context
 * switches per wake-up; a request on the loop needs a struct of 72 bytes
 * and a line in epoll's table.
 *
 * Each run is a child process, so that its peak memory (ru_maxrss) and
 * context switches (ru_nvcsw + ru_nivcsw) come from wait4() alone.  The
 * open-file soft limit is raised to the hard limit first; a size that
 * does not fit under it, or under the thread limit, is skipped with the
 * reason printed.
 *
 * Every run gets a slow server of its own, on a new port.  A client that
 * closes first leaves its side in TIME_WAIT for a minute, and while
 * 10,000 of those sit on the same server port, connect() must search
 * past them for a free local port: in a test run, opening 10,000
 * connections took five times as long right after another 10,000 to the
 * same port.  The loop's run also records when its last request went
 * out, so the table separates setting up the connections from waiting
 * for the replies, and the header counts the kernel's listen-queue
 * overflows (TcpExtListenOverflows), which would show dropped
 * connection attempts retried a second later.
 * Output: plots/04-event-loop/c10k.dat. */
#define _GNU_SOURCE
#include "evloop.h"
#include "io.h"
#include "net.h"
#include "slow_server.h"
#include "timing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int port;
static int nreq, done, failed;
static double t_begin, t_all_sent; /* the loop's: start, last request out */

/* ---- one thread, N connections: a state machine per request ---------- */

// [snippet request]
enum state { CONNECTING, SENDING, RECEIVING };

struct request {
    int fd;
    enum state state;
    unsigned short sent, got, len; /* progress through line[] and reply[] */
    char line[24];                 /* what we send, e.g. "request 42\n" */
    char reply[32];                /* what came back so far */
};
// [end request]

static void finish(struct el_loop *loop, struct request *r, int ok)
{
    el_unwatch(loop, r->fd);
    close(r->fd);
    failed += !ok;
    if (++done == nreq)
        el_stop(loop);
}

static int connect_error(int fd)
{
    int err = 0;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof err });
    return err;
}

// [snippet on_request]
/* One callback for the whole life of a request.  The state says where we
 * are; each call does what can be done now, without blocking, and
 * returns.  Whatever must be remembered until the next call lives in
 * the struct, not in local variables. */
static void on_request(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct request *r = data;
    (void)events;
    switch (r->state) {
    case CONNECTING: /* writable: the connection is set up, or failed */
        if (connect_error(fd)) {
            finish(loop, r, 0);
            return;
        }
        r->state = SENDING; /* a fresh socket has room for a short line: */
        /* fall through */
    case SENDING: {
        ssize_t n = send(fd, r->line + r->sent, r->len - r->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN)
                finish(loop, r, 0);
            return;
        }
        r->sent += (unsigned short)n;
        if (r->sent < r->len)
            return; /* a partial write: wait until writable again */
        r->state = RECEIVING;
        t_all_sent = now_s(); /* the last one to get here stays */
        el_set_events(loop, fd, EL_READ);
        return;
    }
    case RECEIVING: {
        ssize_t n = read(fd, r->reply + r->got, sizeof r->reply - r->got);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            finish(loop, r, 0);
            return;
        }
        r->got += (unsigned short)n;
        if (memchr(r->reply, '\n', r->got)) /* the whole reply is in */
            finish(loop, r, r->got == r->len && memcmp(r->reply, r->line, r->len) == 0);
        else if (r->got == sizeof r->reply)
            finish(loop, r, 0); /* too long to be our echo */
        return;
    }
    }
}
// [end on_request]

// [snippet start_request]
static int start_request(struct el_loop *loop, struct request *r, int i)
{
    r->len = (unsigned short)snprintf(r->line, sizeof r->line, "request %d\n", i);
    r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->fd < 0)
        return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Non-blocking connect: "in progress" now, writable when it is done. */
    if (connect(r->fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(r->fd);
        return -1;
    }
    return el_watch(loop, r->fd, EL_WRITE, on_request, r);
}
// [end start_request]

static void with_loop(void)
{
    struct el_loop *loop = el_loop_new();
    struct request *reqs = calloc((size_t)nreq, sizeof *reqs);
    t_begin = now_s();
    for (int i = 0; i < nreq; i++)
        if (start_request(loop, &reqs[i], i) != 0) {
            failed++;
            done++;
        }
    if (done < nreq)
        el_run(loop);
    free(reqs);
    el_loop_free(loop);
}

/* ---- N threads, each blocked on one request --------------------------- */

static void *one_request(void *arg)
{
    int i = (int)(long)arg;
    char line[24], reply[32];
    snprintf(line, sizeof line, "request %d", i);
    if (slow_request(port, line, reply, sizeof reply) != 0 || strcmp(reply, line) != 0)
        __atomic_add_fetch(&failed, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void with_threads(void)
{
    pthread_t *tid = malloc(sizeof *tid * (size_t)nreq);
    int started = 0;
    for (int i = 0; i < nreq; i++) /* default attributes: an 8 MB stack each */
        if (pthread_create(&tid[started], NULL, one_request, (void *)(long)i) == 0)
            started++;
    failed += nreq - started;
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
}

/* ---- measuring a run in a child process --------------------------------- */

struct result {
    double wall, cpu, rss_mb, virt_mb;
    double sent; /* the loop: seconds until its last request went out */
    long switches;
    int failed;
};

static double vm_peak_mb(void)
{
    long kb = proc_field("/proc/self/status", "VmPeak");
    return kb > 0 ? kb / 1024.0 : 0;
}

static struct result measure(void (*client)(void), int n)
{
    struct result res = { 0 };
    int p[2];
    if (pipe(p) != 0)
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        nreq = n;
        double t0 = now_s();
        if (n)
            client();
        res.wall = now_s() - t0;
        res.sent = t_all_sent > 0 ? t_all_sent - t_begin : -1;
        res.virt_mb = vm_peak_mb();
        res.failed = failed;
        if (write(p[1], &res, sizeof res) != sizeof res)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    if (read(p[0], &res, sizeof res) != sizeof res)
        res.failed = n;
    close(p[0]);
    struct rusage ru;
    wait4(pid, NULL, 0, &ru);
    res.cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
              ru.ru_stime.tv_usec / 1e6;
    res.rss_mb = ru.ru_maxrss / 1024.0;
    res.switches = ru.ru_nvcsw + ru.ru_nivcsw;
    return res;
}

/* Can n threads, and n descriptors in each of two processes, exist here? */
static const char *cannot_run(int n, long fd_limit)
{
    static char why[200];
    struct rlimit procs;
    getrlimit(RLIMIT_NPROC, &procs);
    if (n + 64 > fd_limit)
        snprintf(why, sizeof why, "needs %d descriptors, the open-file limit is %ld",
                 n + 64, fd_limit);
    else if (procs.rlim_cur != RLIM_INFINITY && (rlim_t)n + 512 > procs.rlim_cur && getuid() != 0)
        snprintf(why, sizeof why, "needs %d threads, the process limit (ulimit -u) is %lu",
                 n, (unsigned long)procs.rlim_cur);
    else
        return NULL;
    return why;
}

/* The kernel's count of connection attempts dropped because a listen
 * queue was full (TcpExtListenOverflows in /proc/net/netstat), or -1. */
static long listen_overflows(void)
{
    char names[4096], values[4096];
    long found = -1;
    FILE *f = fopen("/proc/net/netstat", "r");
    if (!f)
        return -1;
    while (found < 0 && fgets(names, sizeof names, f) && fgets(values, sizeof values, f)) {
        if (strncmp(names, "TcpExt:", 7) != 0)
            continue; /* lines come in pairs: names, then values */
        char *sn, *sv, *n = strtok_r(names, " \n", &sn), *v = strtok_r(values, " \n", &sv);
        for (; n && v; n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
            if (strcmp(n, "ListenOverflows") == 0)
                found = atol(v);
    }
    fclose(f);
    return found;
}

/* One run of `client` against a slow server of its own (see the top). */
static struct result measure_fresh(void (*client)(void), int n, double delay_ms)
{
    struct slow_server server;
    if (slow_server_start(&server, delay_ms) != 0) {
        perror("slow server");
        exit(1);
    }
    port = server.port;
    struct result r = measure(client, n);
    slow_server_stop(&server);
    return r;
}

static void print_results(struct result res[2][4], const int *ran, int nran, double base_mb)
{
    /* One block per client, two blank lines apart: gnuplot's index 0 and 1. */
    printf("# columns: run wall_(s) CPU_(s) peak_(MB) KB/request virtual_(GB) switches "
           "all_sent_(s) then_(s)\n");
    for (int c = 0; c < 2; c++) {
        for (int k = 0; k < nran; k++) {
            struct result *r = &res[c][k];
            char run[40], sent[16] = "-", then[16] = "-";
            snprintf(run, sizeof run, "%d_%s", ran[k], c ? "threads" : "loop");
            if (r->sent >= 0) { /* then: from the last request out to the end */
                snprintf(sent, sizeof sent, "%.3f", r->sent);
                snprintf(then, sizeof then, "%.3f", r->wall - r->sent);
            }
            printf("%-18s %8.3f %8.3f %8.1f %8.2f %8.2f %8ld %8s %8s\n", run, r->wall,
                   r->cpu, r->rss_mb, fmax(0, r->rss_mb - base_mb) * 1024 / ran[k],
                   r->virt_mb / 1024, r->switches, sent, then);
        }
        printf(c ? "" : "\n\n");
    }
}

int main(void)
{
    int quick = quick_mode();
    static const int full[] = { 1000, 2000, 5000, 10000 }, small[] = { 100, 300 };
    const int *sizes = quick ? small : full;
    int nsizes = quick ? 2 : 4;
    double delay_ms = quick ? 100 : 500;
    long limit = raise_fd_limit(1L << 20); /* the slow server and the children inherit it */
    print_machine(stdout);
    print_conditions(stdout, "build/demo/04-event-loop/bench_c10k");
    struct result base = measure_fresh(with_loop, 0, delay_ms); /* a child doing nothing */
    printf("# %g ms per request; open-file soft limit raised to the hard limit, %ld; "
           "a child doing nothing peaks at %.1f MB; a slow server of its own for each run\n",
           delay_ms, limit, base.rss_mb);
    printf("# all_sent: when the loop's last request went out; then: from there to the "
           "end (threads: not recorded)\n");
    long overflows = listen_overflows();
    int status = 0, done_sizes = 0;
    struct result res[2][4];
    int ran[4];
    for (int s = 0; s < nsizes; s++) {
        int n = sizes[s];
        const char *why = cannot_run(n, limit);
        if (why) {
            printf("# skipped %d requests: %s\n", n, why);
            fprintf(stderr, "bench_c10k: skipped %d requests: %s\n", n, why);
            continue;
        }
        res[0][done_sizes] = measure_fresh(with_loop, n, delay_ms); /* back to back */
        res[1][done_sizes] = measure_fresh(with_threads, n, delay_ms);
        ran[done_sizes++] = n;
        if (res[0][done_sizes - 1].failed || res[1][done_sizes - 1].failed) {
            printf("# %d requests: %d failed on the loop, %d with threads\n", n,
                   res[0][done_sizes - 1].failed, res[1][done_sizes - 1].failed);
            fprintf(stderr, "bench_c10k: %d requests failed\n", n);
            status = 1;
        }
    }
    if (overflows >= 0)
        printf("# listen-queue overflows during the runs (TcpExtListenOverflows, every "
               "socket in this network namespace): %ld\n", listen_overflows() - overflows);
    print_results(res, ran, done_sizes, base.rss_mb);
    return status;
}
