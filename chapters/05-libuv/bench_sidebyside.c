/* bench_sidebyside.c: chapter 4's loop (lib/evloop) against libuv, on the
 * same two jobs, in the same run.
 *
 * slow-*   a client: 2,000 requests to the slow server (200 ms each), all
 *          at once, from one thread.  Requests per second, each request's
 *          latency, and the client's CPU time and peak memory.
 * echo-*   a server: C clients (1,000) send a 32-byte message, wait for
 *          the echo, and send again, for 2 s.  Round trips per second,
 *          their latency, and the server's CPU time and peak memory.
 *          echo-evloop and echo-libuv do exactly the same thing (one 4 KiB
 *          buffer per connection, write at once, wait for writability only
 *          when the socket is full); echo-libuv-malloc is the textbook
 *          libuv server (a fresh 64 KiB buffer for every read, freed when
 *          uv_write() calls back), to show what that idiom costs.
 *
 * Every client and every server runs in a process of its own, so its
 * peak memory (ru_maxrss, less that of an idle child) and CPU time come
 * from wait4() alone; on two cores or more it runs on a core of its own,
 * and the load on another.  The variants take turns, five rounds; each
 * cell is the median.
 * Output: plots/05-libuv/sidebyside.dat. */
#define _GNU_SOURCE
#include "evloop.h"
#include "net.h"
#include "slow_server.h"
#include "timing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#define MAX_LAT (1 << 22)

/* Shared with the parent: the latencies a client measured. */
struct lat {
    long n, ok;
    double ms[MAX_LAT];
};
static struct lat *lat;

static int port;
static int nreq;

static void record(double since, int ok)
{
    if (lat->n < MAX_LAT)
        lat->ms[lat->n++] = (now_s() - since) * 1e3;
    lat->ok += ok;
}

/* =========================================================================
 * Part 1: the slow-server client
 * ========================================================================= */

struct slow_req {
    double start;
    int fd;           /* evloop only */
    int sent, got, len;
    char line[24], reply[32];
    uv_tcp_t tcp;     /* libuv only */
    uv_connect_t conn;
    uv_write_t wr;
};

static int finished;

static void slow_line(struct slow_req *r, int i)
{
    r->len = snprintf(r->line, sizeof r->line, "request %d\n", i);
}

static int reply_ok(const struct slow_req *r)
{
    return r->got == r->len && memcmp(r->reply, r->line, (size_t)r->len) == 0;
}

/* ---- on chapter 4's loop ----------------------------------------------- */

static void ev_done(struct el_loop *loop, struct slow_req *r, int ok)
{
    el_unwatch(loop, r->fd);
    close(r->fd);
    record(r->start, ok);
    if (++finished == nreq)
        el_stop(loop);
}

static void ev_slow_io(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct slow_req *r = data;
    (void)events;
    if (r->sent < r->len) { /* writable: connected (or failed) */
        ssize_t n = send(fd, r->line + r->sent, (size_t)(r->len - r->sent), MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n < 0) {
            ev_done(loop, r, 0);
            return;
        }
        r->sent += (int)n;
        if (r->sent == r->len)
            el_set_events(loop, fd, EL_READ);
        return;
    }
    ssize_t n = read(fd, r->reply + r->got, sizeof r->reply - (size_t)r->got);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n <= 0) {
        ev_done(loop, r, 0);
        return;
    }
    r->got += (int)n;
    if (memchr(r->reply, '\n', (size_t)r->got) || r->got == (int)sizeof r->reply)
        ev_done(loop, r, reply_ok(r));
}

static void slow_evloop(void)
{
    struct el_loop *loop = el_loop_new();
    struct slow_req *reqs = calloc((size_t)nreq, sizeof *reqs);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < nreq; i++) {
        struct slow_req *r = &reqs[i];
        slow_line(r, i);
        r->start = now_s();
        r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->fd < 0 || (connect(r->fd, (struct sockaddr *)&a, sizeof a) < 0 &&
                          errno != EINPROGRESS) ||
            el_watch(loop, r->fd, EL_WRITE, ev_slow_io, r) != 0) {
            record(r->start, 0);
            finished++;
        }
    }
    if (finished < nreq)
        el_run(loop);
    free(reqs);
    el_loop_free(loop);
}

/* ---- on libuv ----------------------------------------------------------- */

// [snippet slow_libuv]
static void uv_slow_closed(uv_handle_t *h)
{
    struct slow_req *r = h->data;
    record(r->start, reply_ok(r));
}

static void uv_slow_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct slow_req *r = h->data; /* read into the request itself */
    *buf = uv_buf_init(r->reply + r->got, (unsigned)(sizeof r->reply - (size_t)r->got));
}

static void uv_slow_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    struct slow_req *r = s->data;
    if (n > 0)
        r->got += (int)n;
    if (n < 0 || memchr(r->reply, '\n', (size_t)r->got) || r->got == (int)sizeof r->reply)
        uv_close((uv_handle_t *)s, uv_slow_closed);
}

static void uv_slow_sent(uv_write_t *w, int status)
{
    (void)w, (void)status; /* a failure shows up as a read error */
}

static void uv_slow_connected(uv_connect_t *c, int status)
{
    struct slow_req *r = c->data;
    if (status < 0) {
        uv_close((uv_handle_t *)&r->tcp, uv_slow_closed);
        return;
    }
    uv_buf_t b = uv_buf_init(r->line, (unsigned)r->len);
    uv_write(&r->wr, (uv_stream_t *)&r->tcp, &b, 1, uv_slow_sent);
    uv_read_start((uv_stream_t *)&r->tcp, uv_slow_alloc, uv_slow_read);
}

static void slow_libuv(void)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    struct slow_req *reqs = calloc((size_t)nreq, sizeof *reqs);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", port, &a);
    for (int i = 0; i < nreq; i++) {
        struct slow_req *r = &reqs[i];
        slow_line(r, i);
        r->start = now_s();
        uv_tcp_init(&loop, &r->tcp);
        r->tcp.data = r->conn.data = r;
        uv_tcp_connect(&r->conn, &r->tcp, (const struct sockaddr *)&a, uv_slow_connected);
    }
    uv_run(&loop, UV_RUN_DEFAULT); /* until the last handle is closed */
    uv_loop_close(&loop);
    free(reqs);
}
// [end slow_libuv]

/* =========================================================================
 * Part 2: the echo servers
 * ========================================================================= */

#define ECHO_BUF 4096

/* ---- on chapter 4's loop ----------------------------------------------- */

struct ev_conn {
    int fd;
    size_t head, tail; /* buf[head..tail): read, not yet written back */
    char buf[ECHO_BUF];
};

static void ev_echo_io(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct ev_conn *c = data;
    (void)events;
    if (c->head == c->tail) { /* nothing owed: read */
        ssize_t n = read(fd, c->buf, ECHO_BUF);
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            el_unwatch(loop, fd);
            close(fd);
            free(c);
            return;
        }
        c->head = 0;
        c->tail = (size_t)n;
    }
    ssize_t w = send(fd, c->buf + c->head, c->tail - c->head, MSG_NOSIGNAL);
    if (w > 0)
        c->head += (size_t)w;
    else if (w < 0 && errno != EAGAIN)
        c->head = c->tail; /* the read will see the error */
    /* Owed bytes left: wait for room, and read nothing meanwhile. */
    el_set_events(loop, fd, c->head < c->tail ? EL_WRITE : EL_READ);
}

static void ev_accept(struct el_loop *loop, int lfd, unsigned events, void *data)
{
    (void)events, (void)data;
    int fd;
    while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        struct ev_conn *c = calloc(1, sizeof *c);
        c->fd = fd;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
        el_watch(loop, fd, EL_READ, ev_echo_io, c);
    }
}

static void echo_evloop(int lfd)
{
    struct el_loop *loop = el_loop_new();
    set_nonblocking(lfd);
    el_watch(loop, lfd, EL_READ, ev_accept, NULL);
    el_run(loop); /* until killed */
}

/* ---- on libuv, the same logic ------------------------------------------- */

// [snippet echo_libuv]
struct uv_conn {
    uv_tcp_t tcp;
    uv_write_t wr;
    char buf[ECHO_BUF];
};

static void uv_conn_closed(uv_handle_t *h)
{
    free(h);
}

static void uv_echo_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    *buf = uv_buf_init(((struct uv_conn *)h)->buf, ECHO_BUF);
}

static void uv_echo_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static void uv_echo_written(uv_write_t *w, int status)
{
    (void)status; /* the rest went out: read again */
    uv_read_start(w->handle, uv_echo_alloc, uv_echo_read);
}

static void uv_echo_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct uv_conn *c = (struct uv_conn *)s;
    if (n < 0) {
        uv_close((uv_handle_t *)s, uv_conn_closed);
        return;
    }
    uv_buf_t out = uv_buf_init(buf->base, (unsigned)n);
    int w = uv_try_write(s, &out, 1); /* most often it all fits at once */
    if (w == n || n == 0)
        return;
    if (w > 0) { /* a partial write: queue the rest, stop reading meanwhile */
        out.base += w;
        out.len -= (unsigned)w;
    }
    uv_read_stop(s);
    uv_write(&c->wr, s, &out, 1, uv_echo_written);
}
// [end echo_libuv]

static void uv_echo_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    struct uv_conn *c = malloc(sizeof *c);
    uv_tcp_init(server->loop, &c->tcp);
    if (uv_accept(server, (uv_stream_t *)&c->tcp) == 0) {
        uv_tcp_nodelay(&c->tcp, 1);
        uv_read_start((uv_stream_t *)&c->tcp, uv_echo_alloc, uv_echo_read);
    } else {
        uv_close((uv_handle_t *)&c->tcp, uv_conn_closed);
    }
}

static void echo_libuv(int lfd)
{
    uv_loop_t loop;
    uv_tcp_t server;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &server);
    uv_tcp_open(&server, lfd);
    uv_listen((uv_stream_t *)&server, SOMAXCONN, uv_echo_connection);
    uv_run(&loop, UV_RUN_DEFAULT); /* until killed */
}

/* ---- on libuv, the textbook way: a buffer per read ------------------------- */

// [snippet echo_malloc]
struct echo_req {
    uv_write_t req;
    uv_buf_t buf;
};

static void malloc_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h; /* libuv suggests 64 KiB */
    *buf = uv_buf_init(malloc(suggested), (unsigned)suggested);
}

static void malloc_written(uv_write_t *w, int status)
{
    (void)status;
    free(((struct echo_req *)w)->buf.base);
    free(w);
}

static void malloc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    if (n > 0) {
        struct echo_req *r = malloc(sizeof *r);
        r->buf = uv_buf_init(buf->base, (unsigned)n);
        uv_write(&r->req, s, &r->buf, 1, malloc_written);
        return;
    }
    free(buf->base);
    if (n < 0)
        uv_close((uv_handle_t *)s, uv_conn_closed);
}
// [end echo_malloc]

static void malloc_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    uv_tcp_t *c = malloc(sizeof *c);
    uv_tcp_init(server->loop, c);
    if (uv_accept(server, (uv_stream_t *)c) == 0) {
        uv_tcp_nodelay(c, 1);
        uv_read_start((uv_stream_t *)c, malloc_alloc, malloc_read);
    } else {
        uv_close((uv_handle_t *)c, uv_conn_closed);
    }
}

static void echo_libuv_malloc(int lfd)
{
    uv_loop_t loop;
    uv_tcp_t server;
    uv_loop_init(&loop);
    uv_tcp_init(&loop, &server);
    uv_tcp_open(&server, lfd);
    uv_listen((uv_stream_t *)&server, SOMAXCONN, malloc_connection);
    uv_run(&loop, UV_RUN_DEFAULT);
}

/* ---- the load: C closed-loop clients on one thread ------------------------ */

#define MSG 32

struct load_conn {
    int fd, got;
    double sent;
    char buf[MSG];
};

static double load_end;
static int load_open;
static const char message[MSG + 1] = "0123456789abcdefghijklmnopqrst\n";

static void load_send(struct load_conn *c)
{
    c->sent = now_s();
    c->got = 0;
    if (send(c->fd, message, MSG, MSG_NOSIGNAL) != MSG)
        c->got = -1;
}

static void load_io(struct el_loop *loop, int fd, unsigned events, void *data)
{
    struct load_conn *c = data;
    (void)events;
    ssize_t n = read(fd, c->buf + c->got, (size_t)(MSG - c->got));
    if (n < 0 && errno == EAGAIN)
        return;
    if (n > 0)
        c->got += (int)n;
    if (n > 0 && c->got < MSG)
        return;
    if (n > 0) {
        record(c->sent, memcmp(c->buf, message, MSG) == 0);
        if (now_s() < load_end) {
            load_send(c);
            if (c->got == 0)
                return;
        }
    }
    el_unwatch(loop, fd);
    close(fd);
    if (--load_open == 0)
        el_stop(loop);
}

/* Returns 0, or -1 if the connections could not be made. */
static int run_load(int clients, double seconds)
{
    struct el_loop *loop = el_loop_new();
    struct load_conn *conns = calloc((size_t)clients, sizeof *conns);
    load_open = 0;
    for (int i = 0; i < clients; i++) {
        conns[i].fd = tcp_connect_loopback(port);
        if (conns[i].fd < 0)
            return -1;
        set_nonblocking(conns[i].fd);
    }
    load_end = now_s() + seconds;
    for (int i = 0; i < clients; i++) {
        load_send(&conns[i]);
        el_watch(loop, conns[i].fd, EL_READ, load_io, &conns[i]);
        load_open++;
    }
    el_run(loop);
    el_loop_free(loop);
    free(conns);
    return 0;
}

/* =========================================================================
 * Measuring
 * ========================================================================= */

struct row {
    double per_s, p50, p99, cpu, us_per_req, mb;
    long ok, n;
};

/* On two or more cores, the server (or client) measured runs on core 1
 * and the load on core 0, so that they do not take turns on one core. */
static void pin(int core)
{
    cpu_set_t set;
    if (usable_cores() < 2 || sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    int seen = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set) && seen++ == core) {
            CPU_ZERO(&set);
            CPU_SET(c, &set);
            sched_setaffinity(0, sizeof set, &set);
            return;
        }
}

static void unpin(cpu_set_t *saved)
{
    sched_setaffinity(0, sizeof *saved, saved);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void latency(struct row *r, double wall)
{
    qsort(lat->ms, (size_t)lat->n, sizeof *lat->ms, cmp);
    r->n = lat->n;
    r->ok = lat->ok;
    r->per_s = lat->ok / wall;
    r->us_per_req = lat->ok ? r->cpu / lat->ok * 1e6 : 0;
    r->p50 = lat->n ? lat->ms[lat->n / 2] : 0;
    r->p99 = lat->n ? lat->ms[(lat->n * 99) / 100] : 0;
}

static void usage_of(pid_t pid, struct row *r)
{
    struct rusage ru;
    int status;
    wait4(pid, &status, 0, &ru);
    r->cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
             ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    r->mb = ru.ru_maxrss / 1024.0;
}

/* A child starts with its parent's resident pages: what one that does
 * nothing peaks at, forked from the same state, is subtracted. */
static double idle_child_mb(void)
{
    struct row r;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    usage_of(pid, &r);
    return r.mb;
}

/* A client in a child process; the slow server is already up. */
static struct row measure_client(void (*client)(void))
{
    struct row r = { 0 };
    lat->n = lat->ok = 0;
    double idle = idle_child_mb();
    double t0 = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        pin(1);
        finished = 0;
        client();
        _exit(0);
    }
    usage_of(pid, &r);
    latency(&r, now_s() - t0);
    r.mb -= idle;
    return r;
}

/* A server in a child process, loaded from here. */
static struct row measure_server(void (*server)(int), int clients, double seconds)
{
    struct row r = { 0 };
    int lfd = tcp_listen_loopback(&port);
    double idle = idle_child_mb();
    pid_t pid = fork();
    if (pid == 0) {
        pin(1);
        server(lfd);
        _exit(0);
    }
    close(lfd);
    lat->n = lat->ok = 0;
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin(0);
    double t0 = now_s();
    if (run_load(clients, seconds) != 0)
        fprintf(stderr, "bench_sidebyside: could not open %d connections\n", clients);
    double wall = now_s() - t0;
    unpin(&saved);
    kill(pid, SIGKILL); /* rusage survives a kill */
    usage_of(pid, &r);
    latency(&r, wall);
    r.mb -= idle;
    return r;
}

#define ROUNDS 5

/* The median over the rounds of one field of a row. */
static double med(struct row *r, int rounds, size_t offset)
{
    double v[ROUNDS];
    for (int k = 0; k < rounds; k++)
        v[k] = *(double *)((char *)&r[k] + offset);
    return median(v, rounds);
}

int main(void)
{
    int quick = quick_mode(), rounds = quick ? 1 : ROUNDS;
    int clients = quick ? 50 : 1000;
    double seconds = quick ? 0.2 : 2.0;
    nreq = quick ? 100 : 2000;
    raise_fd_limit(4 * (nreq > clients ? nreq : clients) + 1024);
    lat = mmap(NULL, sizeof *lat, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (lat == MAP_FAILED)
        return 1;
    const char *names[] = { "slow-evloop", "slow-libuv", "echo-evloop", "echo-libuv",
                            "echo-libuv-malloc" };
    void (*clients_of[])(void) = { slow_evloop, slow_libuv };
    void (*servers[])(int) = { echo_evloop, echo_libuv, echo_libuv_malloc };
    struct row rows[5][ROUNDS];
    struct slow_server ss;
    if (slow_server_start(&ss, 200) != 0)
        return 1;
    port = ss.port;
    for (int k = 0; k < rounds; k++) /* take turns, first one first, then the other */
        for (int j = 0; j < 2; j++) {
            int i = (j + k) % 2;
            rows[i][k] = measure_client(clients_of[i]);
        }
    slow_server_stop(&ss);
    for (int k = 0; k < rounds; k++)
        for (int j = 0; j < 3; j++) {
            int i = (j + k) % 3;
            rows[2 + i][k] = measure_server(servers[i], clients, seconds);
        }
    print_machine(stdout);
    printf("# slow-*: %d requests at once to the slow server (200 ms); the client's CPU and memory\n",
           nreq);
    printf("# echo-*: %d clients, 32-byte messages, %.1f s; the server's CPU and memory\n",
           clients, seconds);
    printf("# the one measured on one core, the load (or slow server) on the other\n");
    printf("# median of %d rounds, taking turns; libuv %s\n", rounds, uv_version_string());
    printf("# memory: peak resident memory above that of an idle child forked at the same point\n");
    long wrong = 0;
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < rounds; k++)
            wrong += rows[i][k].n - rows[i][k].ok;
    printf("# requests not answered correctly: %ld\n", wrong);
    printf("# columns: test requests/s p50_(ms) p99_(ms) CPU_(s) CPU/request_(us) memory_(MB)\n");
    for (int i = 0; i < 5; i++) {
        struct row *r = rows[i];
        printf("%-18s %8.0f %7.2f %7.2f %6.2f %7.1f %6.1f\n", names[i],
               med(r, rounds, offsetof(struct row, per_s)),
               med(r, rounds, offsetof(struct row, p50)),
               med(r, rounds, offsetof(struct row, p99)),
               med(r, rounds, offsetof(struct row, cpu)),
               med(r, rounds, offsetof(struct row, us_per_req)),
               med(r, rounds, offsetof(struct row, mb)));
    }
    return wrong ? 1 : 0;
}
