/* models.c: the five models on the two workloads (see models.h).
 *
 * Each model gets the same job and does it the way its chapter taught:
 * the sequential model one step at a time, processes and threads one per
 * worker or per connection, each blocking; the two event loops one thread
 * that keeps every connection in a small struct and is called back when a
 * socket is ready.  Nothing here is tuned for one model at the expense of
 * another: the lines are the same, the buffers are the same, and every
 * model checks every reply. */
#define _GNU_SOURCE
#include "models.h"

#include "evloop.h"
#include "io.h"
#include "net.h"
#include "primes.h"
#include "slow_server.h"
#include "timing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

const char *const model_name[MODEL_COUNT] = {
    "sequential", "processes", "threads", "ch4_loop", "libuv",
};

enum { CHUNK = 10000 }; /* numbers per piece of CPU work, as in chapter 1 */

static double rusage_mb(const struct rusage *ru)
{
    return ru->ru_maxrss / 1024.0; /* Linux reports kilobytes */
}

/* =========================================================================
 * Pools: a batch of tasks on processes or threads
 * ========================================================================= */

struct farm {
    long ntasks;
    farm_task *task;
    const void *arg;
    _Atomic long next, sum; /* threads only */
};

static void *farm_thread(void *p)
{
    struct farm *f = p;
    long mine = 0;
    for (long i; (i = atomic_fetch_add(&f->next, 1)) < f->ntasks;)
        mine += f->task(i, f->arg);
    atomic_fetch_add(&f->sum, mine);
    return NULL;
}

static long farm_threads(int workers, struct farm *f)
{
    pthread_t *tid = malloc(sizeof *tid * (size_t)workers);
    int started = 0;
    while (tid && started < workers && pthread_create(&tid[started], NULL, farm_thread, f) == 0)
        started++;
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    free(tid);
    return started == workers ? f->sum : -1;
}

// [snippet farm_worker]
/* A process worker: task numbers arrive as 8-byte records on a pipe that
 * every worker reads.  On Linux a read of 8 bytes takes a whole record or
 * nothing (pipe_read() holds the pipe's lock for the whole read; POSIX
 * promises atomic writes of up to PIPE_BUF, not reads), so no two workers
 * get the same task.  At end of file (the parent has written them all and
 * closed its end) the worker sends its sum. */
static _Noreturn void farm_worker(const struct farm *f, int tasks, int results)
{
    long mine = 0, i;
    while (read_full(tasks, &i, sizeof i) == sizeof i)
        mine += f->task(i, f->arg);
    write_full(results, &mine, sizeof mine);
    _exit(0);
}
// [end farm_worker]

static long farm_processes(int workers, const struct farm *f, double *kids_mb)
{
    int tasks[2], results[2];
    if (pipe2(tasks, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(results, O_CLOEXEC) != 0) {
        close(tasks[0]), close(tasks[1]);
        return -1;
    }
    pid_t *pid = calloc((size_t)workers, sizeof *pid);
    int started = 0;
    fflush(NULL); /* or buffered output would be written twice */
    while (pid && started < workers) {
        pid_t p = fork();
        if (p == 0) {
            close(tasks[1]), close(results[0]);
            farm_worker(f, tasks[0], results[1]);
        }
        if (p < 0)
            break;
        pid[started++] = p;
    }
    close(tasks[0]), close(results[1]);
    long batch[512], sum = 0, part;
    for (long i = 0; started == workers && i < f->ntasks;) {
        long n = 0;
        while (n < 512 && i < f->ntasks)
            batch[n++] = i++;
        if (write_full(tasks[1], batch, (size_t)n * sizeof *batch) < 0)
            break;
    }
    close(tasks[1]); /* end of file: the workers send their sums */
    int got = 0;
    while (got < started && read_full(results[0], &part, sizeof part) == sizeof part)
        sum += part, got++;
    close(results[0]);
    double mb = 0;
    int clean = 1;
    for (int i = 0; i < started; i++) {
        struct rusage ru;
        int status;
        if (wait4(pid[i], &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
            clean = 0;
        mb += rusage_mb(&ru);
    }
    free(pid);
    if (kids_mb)
        *kids_mb = mb;
    return started == workers && got == workers && clean ? sum : -1;
}

long farm_run(enum farm_kind kind, int workers, long ntasks, farm_task *task,
              const void *arg, double *kids_rss_mb)
{
    struct farm f = { .ntasks = ntasks, .task = task, .arg = arg };
    if (kids_rss_mb)
        *kids_rss_mb = 0;
    if (workers < 1 || ntasks < 0)
        return -1;
    if (kind == FARM_PROCESSES)
        return farm_processes(workers, &f, kids_rss_mb);
    return farm_threads(workers, &f);
}

/* =========================================================================
 * The CPU workload
 * ========================================================================= */

struct range {
    uint64_t lo, hi;
};

static uint64_t chunks_of(const struct range *r)
{
    return r->hi > r->lo ? (r->hi - r->lo + CHUNK - 1) / CHUNK : 0;
}

static long count_chunk(long i, const void *arg)
{
    const struct range *r = arg;
    uint64_t lo = r->lo + (uint64_t)i * CHUNK;
    return count_primes(lo, lo + CHUNK < r->hi ? lo + CHUNK : r->hi);
}

// [snippet cpu_evloop]
/* On chapter 4's loop: one chunk per turn, from a 0 ms timer that
 * restarts itself.  Between two chunks the loop could serve sockets; what
 * it cannot do is count on a second core. */
struct loop_count {
    struct range r;
    long next, total;
    struct el_timer t;
};

static void count_next_chunk(struct el_loop *loop, struct el_timer *t, void *data)
{
    struct loop_count *c = data;
    c->total += count_chunk(c->next++, &c->r);
    if ((uint64_t)c->next < chunks_of(&c->r))
        el_timer_start(loop, t, 0, 0, count_next_chunk, c);
}
// [end cpu_evloop]

static long cpu_evloop(struct range r)
{
    struct el_loop *loop = el_loop_new();
    struct loop_count c = { .r = r };
    if (!loop)
        return -1;
    if (chunks_of(&r))
        el_timer_start(loop, &c.t, 0, 0, count_next_chunk, &c);
    el_run(loop); /* returns when no timer is left */
    el_loop_free(loop);
    return c.total;
}

// [snippet cpu_libuv]
/* On libuv: the loop thread never counts.  Each chunk is a work request
 * for libuv's thread pool; the pool's threads count, and the "after work"
 * callback adds the result up back on the loop thread, so `total` needs
 * no lock. */
struct uv_chunk {
    uv_work_t req;
    const struct range *r;
    long i, count, *total;
};

static void uv_count(uv_work_t *req)
{
    struct uv_chunk *c = req->data;
    c->count = count_chunk(c->i, c->r); /* on a pool thread */
}

static void uv_counted(uv_work_t *req, int status)
{
    struct uv_chunk *c = req->data;
    if (status == 0)
        *c->total += c->count; /* on the loop thread */
}
// [end cpu_libuv]

static long cpu_libuv(struct range r, int workers)
{
    char size[16];
    snprintf(size, sizeof size, "%d", workers);
    setenv("UV_THREADPOOL_SIZE", size, 1);
    uint64_t n = chunks_of(&r);
    struct uv_chunk *c = calloc(n ? n : 1, sizeof *c);
    uv_loop_t loop;
    long total = 0;
    if (!c || uv_loop_init(&loop) != 0) {
        free(c);
        return -1;
    }
    for (uint64_t i = 0; i < n; i++) {
        c[i] = (struct uv_chunk){ .r = &r, .i = (long)i, .total = &total };
        c[i].req.data = &c[i];
        uv_queue_work(&loop, &c[i].req, uv_count, uv_counted);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    free(c);
    return total;
}

long model_cpu(enum model m, uint64_t lo, uint64_t hi, int workers, double *kids_rss_mb)
{
    struct range r = { lo, hi };
    if (kids_rss_mb)
        *kids_rss_mb = 0;
    workers = workers < 1 ? 1 : workers;
    switch (m) {
    case MODEL_SEQUENTIAL:
        return count_primes(lo, hi);
    case MODEL_PROCESSES:
        return farm_run(FARM_PROCESSES, workers, (long)chunks_of(&r), count_chunk, &r,
                        kids_rss_mb);
    case MODEL_THREADS:
        return count_primes_threads(lo, hi, workers, CHUNK);
    case MODEL_EVLOOP:
        return cpu_evloop(r);
    case MODEL_LIBUV:
        return cpu_libuv(r, workers);
    default:
        return -1;
    }
}

/* =========================================================================
 * The I/O workload
 * ========================================================================= */

struct io_job {
    int port, conns, per_conn;
    double *lat;          /* conns * per_conn latencies, or NULL */
    _Atomic long ok;
};

static int make_line(char *buf, size_t n, int c, int k)
{
    return snprintf(buf, n, "%d.%d\n", c, k);
}

static void set_lat(struct io_job *j, int c, int k, double ms)
{
    if (j->lat)
        j->lat[(size_t)c * (size_t)j->per_conn + (size_t)k] = ms;
}

static void fail_conn(struct io_job *j, int c)
{
    for (int k = 0; k < j->per_conn; k++)
        set_lat(j, c, k, -1);
}

// [snippet session]
/* One connection, blocking: send a line, wait for its reply, again.  The
 * sequential model, each thread and each process run this. */
static void session(struct io_job *j, int c)
{
    fail_conn(j, c); /* until proved otherwise */
    int fd = tcp_connect_loopback(j->port);
    if (fd < 0)
        return;
    char line[32], reply[64];
    for (int k = 0; k < j->per_conn; k++) {
        int len = make_line(line, sizeof line, c, k);
        double t0 = now_s();
        if (write_full(fd, line, (size_t)len) != len)
            break;
        size_t got = 0;
        ssize_t r = 0;
        while (got < sizeof reply && !memchr(reply, '\n', got) &&
               ((r = read(fd, reply + got, sizeof reply - got)) > 0 || (r < 0 && errno == EINTR)))
            got += r > 0 ? (size_t)r : 0;
        if (got != (size_t)len || memcmp(reply, line, (size_t)len) != 0)
            break;
        set_lat(j, c, k, (now_s() - t0) * 1e3);
        atomic_fetch_add(&j->ok, 1);
    }
    close(fd);
}
// [end session]

static void io_sequential(struct io_job *j)
{
    for (int c = 0; c < j->conns; c++)
        session(j, c);
}

/* ---- a thread per connection ------------------------------------------ */

struct conn_arg {
    struct io_job *j;
    int c;
};

static void *session_thread(void *p)
{
    struct conn_arg *a = p;
    session(a->j, a->c);
    return NULL;
}

static void io_threads(struct io_job *j)
{
    pthread_t *tid = malloc(sizeof *tid * (size_t)j->conns);
    struct conn_arg *arg = malloc(sizeof *arg * (size_t)j->conns);
    char *started = calloc((size_t)j->conns, 1);
    if (!tid || !arg || !started) {
        for (int c = 0; c < j->conns; c++)
            fail_conn(j, c);
        j->conns = 0;
    }
    for (int c = 0; c < j->conns; c++) { /* default attributes: an 8 MB stack each */
        arg[c] = (struct conn_arg){ j, c };
        started[c] = pthread_create(&tid[c], NULL, session_thread, &arg[c]) == 0;
        if (!started[c])
            fail_conn(j, c);
    }
    for (int c = 0; c < j->conns; c++)
        if (started[c])
            pthread_join(tid[c], NULL);
    free(tid), free(arg), free(started);
}

/* ---- a process per connection ------------------------------------------- */

/* A child has its own memory: the latencies and the count go through a
 * shared mapping made before the forks. */
static void io_processes(struct io_job *j, double *kids_mb)
{
    size_t nlat = (size_t)j->conns * (size_t)j->per_conn;
    size_t bytes = sizeof(struct io_job) + nlat * sizeof(double);
    struct io_job *shared = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pid_t *pid = calloc((size_t)j->conns, sizeof *pid);
    if (shared == MAP_FAILED || !pid) {
        for (int c = 0; c < j->conns; c++)
            fail_conn(j, c);
        if (shared != MAP_FAILED)
            munmap(shared, bytes);
        free(pid);
        return;
    }
    *shared = (struct io_job){ .port = j->port, .conns = j->conns, .per_conn = j->per_conn,
                               .lat = (double *)(shared + 1) };
    fflush(NULL);
    for (int c = 0; c < j->conns; c++) {
        pid[c] = fork();
        if (pid[c] == 0) {
            session(shared, c);
            _exit(0);
        }
        if (pid[c] < 0)
            fail_conn(shared, c);
    }
    for (int c = 0; c < j->conns; c++) {
        struct rusage ru;
        if (pid[c] > 0 && wait4(pid[c], NULL, 0, &ru) == pid[c])
            *kids_mb += rusage_mb(&ru);
    }
    if (j->lat)
        memcpy(j->lat, shared->lat, nlat * sizeof(double));
    j->ok = atomic_load(&shared->ok);
    munmap(shared, bytes);
    free(pid);
}

/* ---- chapter 4's loop: a state machine per connection --------------------- */

// [snippet conn_state]
/* Everything one connection must remember between two callbacks: the
 * event loop keeps no stack per connection, only this. */
struct loop_conn {
    struct io_job *j;
    int fd, c, k;       /* connection c is at request k */
    int len, got;       /* the line's length; reply bytes read so far */
    double t0;          /* when request k was sent */
    char line[32], reply[64];
    uv_tcp_t tcp;       /* libuv only */
    uv_connect_t connect;
};
// [end conn_state]

static int send_line(struct loop_conn *s)
{
    s->len = make_line(s->line, sizeof s->line, s->c, s->k);
    s->got = 0;
    s->t0 = now_s();
    /* A fresh request on an idle connection: the socket buffer is empty,
     * so a short line always goes out whole. */
    return send(s->fd, s->line, (size_t)s->len, MSG_NOSIGNAL) == s->len ? 0 : -1;
}

/* A reply is complete: record it.  Returns 1 if the connection is done. */
static int reply_done(struct loop_conn *s)
{
    if (s->got != s->len || memcmp(s->reply, s->line, (size_t)s->len) != 0)
        return 1; /* a wrong reply: the rest of this connection fails */
    set_lat(s->j, s->c, s->k, (now_s() - s->t0) * 1e3);
    atomic_fetch_add(&s->j->ok, 1);
    return ++s->k == s->j->per_conn;
}

static void loop_close(struct el_loop *loop, struct loop_conn *s)
{
    el_unwatch(loop, s->fd);
    close(s->fd);
    s->fd = -1;
}

// [snippet on_conn]
static void on_conn(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct loop_conn *s = data;
    (void)events;
    if (el_events(loop, fd) == EL_WRITE) { /* the connect finished */
        int err = 0;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &(socklen_t){ sizeof err });
        if (err || send_line(s) != 0)
            loop_close(loop, s);
        else
            el_set_events(loop, fd, EL_READ);
        return;
    }
    ssize_t r = read(fd, s->reply + s->got, sizeof s->reply - (size_t)s->got);
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
        return; /* not yet */
    if (r <= 0) {
        loop_close(loop, s);
        return;
    }
    s->got += (int)r;
    if (!memchr(s->reply, '\n', (size_t)s->got) && s->got < (int)sizeof s->reply)
        return; /* half a reply: wait for the rest */
    if (reply_done(s) || send_line(s) != 0)
        loop_close(loop, s);
}
// [end on_conn]

static int connect_nonblocking(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static void io_evloop(struct io_job *j)
{
    struct el_loop *loop = el_loop_new();
    struct loop_conn *s = calloc((size_t)j->conns, sizeof *s);
    for (int c = 0; c < j->conns; c++) {
        fail_conn(j, c);
        if (!loop || !s)
            continue;
        s[c] = (struct loop_conn){ .j = j, .c = c, .fd = connect_nonblocking(j->port) };
        if (s[c].fd >= 0 && el_watch(loop, s[c].fd, EL_WRITE, on_conn, &s[c]) != 0) {
            close(s[c].fd);
            s[c].fd = -1;
        }
    }
    if (loop && s)
        el_run(loop); /* until every connection is closed */
    free(s);
    el_loop_free(loop);
}

/* ---- libuv: the same state machine, libuv's way --------------------------- */

static void uv_conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void uv_conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct loop_conn *s = h->data;
    (void)suggested; /* read into the connection's own buffer */
    *buf = uv_buf_init(s->reply + s->got, (unsigned)(sizeof s->reply - (size_t)s->got));
}

static int uv_send_line(struct loop_conn *s)
{
    s->len = make_line(s->line, sizeof s->line, s->c, s->k);
    s->got = 0;
    s->t0 = now_s();
    uv_buf_t b = uv_buf_init(s->line, (unsigned)s->len);
    return uv_try_write((uv_stream_t *)&s->tcp, &b, 1) == s->len ? 0 : -1;
}

static void uv_conn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    struct loop_conn *s = st->data;
    (void)buf;
    if (n == 0 || n == UV_EAGAIN)
        return;
    if (n < 0) {
        uv_close((uv_handle_t *)st, NULL);
        return;
    }
    s->got += (int)n;
    if (!memchr(s->reply, '\n', (size_t)s->got) && s->got < (int)sizeof s->reply)
        return;
    if (reply_done(s) || uv_send_line(s) != 0)
        uv_close((uv_handle_t *)st, NULL);
}

static void uv_conn_connected(uv_connect_t *req, int status)
{
    struct loop_conn *s = req->data;
    if (status < 0 || uv_send_line(s) != 0 ||
        uv_read_start((uv_stream_t *)&s->tcp, uv_conn_alloc, uv_conn_read) != 0)
        uv_close((uv_handle_t *)&s->tcp, NULL);
}

static void io_libuv(struct io_job *j)
{
    uv_loop_t loop;
    struct loop_conn *s = calloc((size_t)j->conns, sizeof *s);
    struct sockaddr_in a;
    int up = s && uv_loop_init(&loop) == 0;
    uv_ip4_addr("127.0.0.1", j->port, &a);
    for (int c = 0; c < j->conns; c++) {
        fail_conn(j, c);
        if (!up)
            continue;
        s[c] = (struct loop_conn){ .j = j, .c = c, .fd = -1 };
        uv_tcp_init(&loop, &s[c].tcp);
        s[c].tcp.data = s[c].connect.data = &s[c];
        if (uv_tcp_connect(&s[c].connect, &s[c].tcp, (const struct sockaddr *)&a,
                           uv_conn_connected) != 0)
            uv_close((uv_handle_t *)&s[c].tcp, NULL);
    }
    if (up) {
        uv_run(&loop, UV_RUN_DEFAULT); /* until every handle is closed */
        uv_loop_close(&loop);
    }
    free(s);
}

long model_io(enum model m, int port, int conns, int per_conn, double *lat_ms,
              double *kids_rss_mb)
{
    struct io_job j = { .port = port, .conns = conns, .per_conn = per_conn, .lat = lat_ms };
    double kids = 0;
    if (conns < 0 || per_conn < 0)
        return -1;
    if (kids_rss_mb)
        *kids_rss_mb = 0;
    if (conns == 0 || per_conn == 0)
        return 0;
    switch (m) {
    case MODEL_SEQUENTIAL: io_sequential(&j); break;
    case MODEL_PROCESSES:  io_processes(&j, &kids); break;
    case MODEL_THREADS:    io_threads(&j); break;
    case MODEL_EVLOOP:     io_evloop(&j); break;
    case MODEL_LIBUV:      io_libuv(&j); break;
    default: return -1;
    }
    if (kids_rss_mb)
        *kids_rss_mb = kids;
    return j.ok;
}

/* =========================================================================
 * Cells: one model, one workload, in a child process of its own
 * ========================================================================= */

struct cell_job {
    enum model m;
    int io;
    uint64_t lo, hi;
    int workers, port, conns, per_conn;
    double delay_ms;
    model_io_fn *run;     /* a model from outside lib/, or NULL */
    const char *name;     /* its name, for a failed cell */
};

static double anon_mb_now(void)
{
    long kb = proc_field("/proc/self/status", "RssAnon");
    return kb > 0 ? kb / 1024.0 : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Percentiles of the right replies' latencies (the -1s sort first). */
static void latency_stats(struct cell *out, double *lat, size_t n)
{
    qsort(lat, n, sizeof *lat, cmp_double);
    size_t bad = 0;
    while (bad < n && lat[bad] < 0)
        bad++;
    size_t good = n - bad;
    if (good) {
        out->p50_ms = lat[bad + (good - 1) / 2];
        out->p99_ms = lat[bad + (size_t)((double)(good - 1) * 0.99)];
    }
}

/* The body of the child: run, measure, and describe the run. */
static void measure_in_child(const struct cell_job *job, struct cell *out)
{
    double kids = 0, *lat = NULL;
    size_t n = job->io ? (size_t)job->conns * (size_t)job->per_conn : 0;
    if (n && !(lat = malloc(n * sizeof *lat)))
        return;
    struct cost c0 = cost_start();
    long r = job->run ? job->run(job->port, job->conns, job->per_conn, lat)
             : job->io ? model_io(job->m, job->port, job->conns, job->per_conn, lat, &kids)
                       : model_cpu(job->m, job->lo, job->hi, job->workers, &kids);
    struct cost c = cost_since(c0);
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    *out = (struct cell){ .ran = r >= 0, .wall = c.wall, .cpu = c.user + c.sys,
                          .peak_mb = rusage_mb(&self) + kids, .anon_mb = anon_mb_now(),
                          .ok = r };
    if (r < 0)
        snprintf(out->why, sizeof out->why, "failed: %s could not run",
                 job->name ? job->name : model_name[job->m]);
    if (job->io && r >= 0) {
        out->failed = (long)n - r;
        out->per_s = c.wall > 0 ? r / c.wall : 0;
        latency_stats(out, lat, n);
    }
    free(lat);
}

static struct cell run_cell(struct cell_job *job)
{
    struct cell out = { 0 };
    struct slow_server server = { 0 };
    int p[2];
    if (job->io && slow_server_start(&server, job->delay_ms) != 0) {
        snprintf(out.why, sizeof out.why, "failed: the slow server: %s", strerror(errno));
        return out;
    }
    job->port = server.port;
    if (pipe2(p, O_CLOEXEC) != 0) {
        snprintf(out.why, sizeof out.why, "failed: pipe: %s", strerror(errno));
        slow_server_stop(&server);
        return out;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        alarm(300); /* a model that hangs ends as a failed cell, not a hung program */
        prctl(PR_SET_NAME, "cell"); /* so a memory sampler can tell it from the server */
        measure_in_child(job, &out);
        write_full(p[1], &out, sizeof out);
        _exit(0);
    }
    close(p[1]);
    ssize_t got = pid > 0 ? read_full(p[0], &out, sizeof out) : -1;
    close(p[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    slow_server_stop(&server); /* safe when none was started */
    if (got != (ssize_t)sizeof out) {
        memset(&out, 0, sizeof out);
        if (pid < 0)
            snprintf(out.why, sizeof out.why, "failed: fork: %s", strerror(errno));
        else if (WIFSIGNALED(status))
            snprintf(out.why, sizeof out.why, "failed: the run was killed by signal %d (%s)",
                     WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(out.why, sizeof out.why, "failed: the run ended without a result");
    }
    return out;
}

struct cell model_cpu_cell(enum model m, uint64_t lo, uint64_t hi, int workers)
{
    struct cell_job job = { .m = m, .lo = lo, .hi = hi, .workers = workers };
    return run_cell(&job);
}

struct cell model_io_cell(enum model m, double delay_ms, int conns, int per_conn)
{
    struct cell_job job = { .m = m, .io = 1, .delay_ms = delay_ms, .conns = conns,
                            .per_conn = per_conn };
    return run_cell(&job);
}

struct cell model_io_cell_with(const char *name, model_io_fn *run, double delay_ms,
                               int conns, int per_conn)
{
    struct cell_job job = { .io = 1, .delay_ms = delay_ms, .conns = conns,
                            .per_conn = per_conn, .run = run, .name = name };
    return run_cell(&job);
}

/* ---- will it fit? --------------------------------------------------------- */

double available_mb(void)
{
    long kb = proc_field("/proc/meminfo", "MemAvailable");
    return kb > 0 ? kb / 1024.0 : 0;
}

double cores_free(int workers)
{
    double one = 1e9, many = 1e9;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        count_primes(0, 200000);
        double t1 = now_s();
        count_primes_threads(0, 200000, workers, 2000);
        double t2 = now_s();
        one = t1 - t0 < one ? t1 - t0 : one;
        many = t2 - t1 < many ? t2 - t1 : many;
    }
    return one / many;
}

/* Threads and processes the kernel will still create for us. */
static long task_room(void)
{
    long max = proc_field("/proc/sys/kernel/threads-max", NULL);
    long pids = proc_field("/proc/sys/kernel/pid_max", NULL);
    if (pids > 0 && (max < 0 || pids < max))
        max = pids;
    long running = 0, total = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fscanf(f, "%*f %*f %*f %ld/%ld", &running, &total) != 2)
        total = 0;
    if (f)
        fclose(f);
    long room = max > 0 ? max - total : 1L << 30;
    long cg_max = proc_field("/sys/fs/cgroup/pids.max", NULL); /* "max": -1 */
    long cg_now = proc_field("/sys/fs/cgroup/pids.current", NULL);
    if (cg_max > 0 && cg_now >= 0 && cg_max - cg_now < room)
        room = cg_max - cg_now;
    struct rlimit r;
    if (getuid() != 0 && getrlimit(RLIMIT_NPROC, &r) == 0 && r.rlim_cur != RLIM_INFINITY &&
        (long)r.rlim_cur - total < room)
        room = (long)r.rlim_cur - total; /* roughly: it counts the user's tasks */
    return room;
}

int model_io_fits(enum model m, int conns, double mb_each, char *why, size_t n)
{
    struct rlimit files, as;
    getrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_AS, &as);
    long fds = m == MODEL_PROCESSES || m == MODEL_SEQUENTIAL ? 64 : conns + 64L;
    long server_fds = conns + 64L; /* the slow server holds them all at once */
    if (m != MODEL_SEQUENTIAL && (fds > (long)files.rlim_cur || server_fds > (long)files.rlim_cur)) {
        snprintf(why, n, "skipped: needs %ld open files, the limit (ulimit -n) is %ld",
                 server_fds, (long)files.rlim_cur);
        return 0;
    }
    if (m == MODEL_THREADS || m == MODEL_PROCESSES) {
        long room = task_room();
        if (conns + 64L > room) {
            snprintf(why, n, "skipped: needs %d %s, the kernel allows about %ld more",
                     conns, m == MODEL_THREADS ? "threads" : "processes", room);
            return 0;
        }
        /* An estimate, not a measurement.  A thread: a few pages of stack,
         * its kernel stack and task, 64 KB in all.  A process: mb_each, the
         * anonymous memory (RssAnon) of one whole process of the same kind,
         * as if each forked copy wrote to every page of it, plus 0.1 MB for
         * its page tables, kernel stack and task.  Copy-on-write lets the
         * copies share the pages none of them writes, so this errs high. */
        double each = m == MODEL_THREADS ? 0.064 : mb_each + 0.1;
        double need = conns * each, have = available_mb();
        if (need > have / 2) {
            snprintf(why, n, "skipped: %d %s need about %.0f MB (%.2f MB each), more than "
                     "half of the %.0f MB available", conns,
                     m == MODEL_THREADS ? "threads" : "processes", need, each, have);
            return 0;
        }
        if (m == MODEL_THREADS && as.rlim_cur != RLIM_INFINITY &&
            conns * 8.0 * 1024 * 1024 > (double)as.rlim_cur) {
            snprintf(why, n, "skipped: %d thread stacks of 8 MB exceed the address-space "
                     "limit (ulimit -v)", conns);
            return 0;
        }
    }
    return 1;
}
