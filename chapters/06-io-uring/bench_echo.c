/* bench_echo.c: an echo server on io_uring against chapter 4's loop and
 * libuv, under chapter 5's load.
 *
 * This file includes chapter 5's bench_sidebyside.c whole, for its load
 * generator (C closed-loop clients of 32-byte messages on one thread,
 * each waiting for its echo before sending again), its two matched echo
 * servers and its measurements (median of rounds, the server pinned to
 * one core and the load to the other, CPU and memory from wait4()).  It
 * adds two servers on io_uring doing the same work (one 4 KiB buffer per
 * connection, the echo sent as soon as the bytes are in), and counts each
 * server's system calls with perf while the load runs (syscount.h):
 *   echo-uring         receive, then send, then receive again: each a
 *                      submitted operation; one io_uring_enter() per
 *                      batch submits what is new and waits for one result;
 *   echo-uring-sqpoll  the same with IORING_SETUP_SQPOLL: a kernel thread
 *                      takes submissions from the ring, so the server
 *                      enters the kernel only to wait.
 * It also runs chapter 5's other job, the client of the slow server
 * (2,000 requests at once, 200 ms each: the showdown's slow I/O), on
 * chapter 4's loop, on libuv and on io_uring (slow-uring: connect, send
 * and receive submitted as one linked chain per request), and counts the
 * client's system calls the same way.
 * Output: plots/06-io-uring/echo.dat. */
#define _GNU_SOURCE
#include "syscount.h"
#include "uring_probe.h"

#include <liburing.h>

/* Chapter 5's bench, its main() renamed; what this file does not use of it
 * is left unused. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#define main sidebyside_main
#include "../05-libuv/bench_sidebyside.c"
#undef main
#pragma GCC diagnostic pop

/* ---- on io_uring ------------------------------------------------------- */

struct ur_conn {
    int fd, len, sent;
    char buf[ECHO_BUF];
};

/* user_data: the connection's address, and in its lowest bit whether the
 * operation is its send (the struct is aligned, so the bit is free). */
#define UR_SEND 1u
#define UR_ACCEPT ((uint64_t)0)

// [snippet echo_uring]
static void ur_recv(struct io_uring *ring, struct ur_conn *c)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_recv(sqe, c->fd, c->buf, ECHO_BUF, 0);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c);
}

static void ur_send(struct io_uring *ring, struct ur_conn *c)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_send(sqe, c->fd, c->buf + c->sent, (size_t)(c->len - c->sent), MSG_NOSIGNAL);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | UR_SEND);
}

static void ur_accept(struct io_uring *ring, int lfd)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    io_uring_prep_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(sqe, UR_ACCEPT);
}

/* One completion: what comes next for that connection. */
static void ur_complete(struct io_uring *ring, int lfd, uint64_t data, int res)
{
    struct ur_conn *c = (struct ur_conn *)(uintptr_t)(data & ~(uint64_t)UR_SEND);
    if (data == UR_ACCEPT) {
        if (res >= 0) {
            c = calloc(1, sizeof *c);
            c->fd = res;
            setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
            ur_recv(ring, c);
        }
        ur_accept(ring, lfd);
    } else if (res <= 0 && !(data & UR_SEND && res == 0)) {
        close(c->fd); /* end of file or error: nothing else is in flight */
        free(c);
    } else if (!(data & UR_SEND)) {
        c->len = res, c->sent = 0;
        ur_send(ring, c);
    } else if ((c->sent += res) < c->len) {
        ur_send(ring, c); /* a short send: the rest */
    } else {
        ur_recv(ring, c);
    }
}
// [end echo_uring]

static unsigned ur_flags;

// [snippet echo_uring_loop]
static void echo_uring(int lfd)
{
    struct io_uring ring;
    struct io_uring_params p = { .flags = ur_flags, .sq_thread_idle = 100 };
    int rc = io_uring_queue_init_params(4096, &ring, &p);
    if (rc < 0) {
        fprintf(stderr, "bench_echo: io_uring_queue_init_params: %s\n", strerror(-rc));
        _exit(3);
    }
    ur_accept(&ring, lfd);
    for (;;) { /* until killed */
        io_uring_submit_and_wait(&ring, 1); /* one call: submit the batch, wait */
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            ur_complete(&ring, lfd, cqe->user_data, cqe->res);
            seen++;
        }
        io_uring_cq_advance(&ring, seen);
    }
}
// [end echo_uring_loop]

static void echo_uring_sqpoll(int lfd)
{
    ur_flags = IORING_SETUP_SQPOLL;
    echo_uring(lfd);
}

/* ---- the slow-server client on io_uring ---------------------------------- */

// [snippet slow_uring]
/* One request: connect, send and receive, linked, so that each starts
 * when the one before has succeeded (a failure cancels the rest).
 * user_data: the request's index, and the step in the lowest two bits. */
static void slow_chain(struct io_uring *ring, struct slow_req *r, int i,
                       const struct sockaddr_in *a)
{
    struct io_uring_sqe *sqe[3];
    if (io_uring_sq_space_left(ring) < 3)
        io_uring_submit(ring);
    for (int k = 0; k < 3; k++)
        sqe[k] = io_uring_get_sqe(ring);
    io_uring_prep_connect(sqe[0], r->fd, (const struct sockaddr *)a, sizeof *a);
    io_uring_prep_send(sqe[1], r->fd, r->line, (size_t)r->len, MSG_NOSIGNAL);
    io_uring_prep_recv(sqe[2], r->fd, r->reply, sizeof r->reply, 0);
    for (int k = 0; k < 3; k++) {
        io_uring_sqe_set_data64(sqe[k], (uint64_t)i << 2 | (uint64_t)k);
        if (k < 2)
            sqe[k]->flags |= IOSQE_IO_LINK;
    }
}
// [end slow_uring]

static void slow_uring_done(struct slow_req *r, int ok)
{
    close(r->fd);
    record(r->start, ok);
    finished++;
}

static void slow_uring(void)
{
    struct io_uring ring;
    if (io_uring_queue_init(4096, &ring, 0) < 0)
        _exit(3);
    struct slow_req *reqs = calloc((size_t)nreq, sizeof *reqs);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    finished = 0;
    for (int i = 0; i < nreq; i++) {
        slow_line(&reqs[i], i);
        reqs[i].start = now_s();
        reqs[i].fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        slow_chain(&ring, &reqs[i], i, &a);
    }
    while (finished < nreq) {
        io_uring_submit_and_wait(&ring, 1);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            struct slow_req *r = &reqs[cqe->user_data >> 2];
            if ((cqe->user_data & 3) != 2)
                continue; /* connect, send: the receive says how it ended */
            if (cqe->res <= 0) {
                slow_uring_done(r, 0);
                continue;
            }
            r->got += cqe->res;
            if (memchr(r->reply, '\n', (size_t)r->got) || r->got == (int)sizeof r->reply) {
                slow_uring_done(r, reply_ok(r));
            } else { /* part of the line: receive the rest */
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                io_uring_prep_recv(sqe, r->fd, r->reply + r->got, sizeof r->reply - (size_t)r->got, 0);
                io_uring_sqe_set_data64(sqe, cqe->user_data);
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    free(reqs);
    io_uring_queue_exit(&ring);
}

/* Chapter 5's measure_client(), with perf beside it: the client waits for
 * a byte on a pipe, so that perf is attached before it starts. */
static struct row measure_client_counted(void (*client)(void), double *calls_per_req)
{
    struct row r = { 0 };
    lat->n = lat->ok = 0;
    double idle = idle_child_mb();
    int go[2];
    if (pipe(go) != 0)
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        char b;
        close(go[1]);
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        pin(1);
        finished = 0;
        client();
        _exit(0);
    }
    close(go[0]);
    struct syscount sc;
    syscount_start(&sc, pid);
    double t0 = now_s();
    (void)!write(go[1], "g", 1);
    close(go[1]);
    usage_of(pid, &r);
    latency(&r, now_s() - t0);
    long calls = syscount_stop(&sc);
    r.mb -= idle;
    *calls_per_req = calls < 0 || !r.ok ? -1 : (double)calls / (double)r.ok;
    return r;
}

/* ---- measuring: chapter 5's measure_server(), with perf beside it ------- */

static struct row measure_counted(void (*server)(int), int clients, double seconds,
                                  double *calls_per_req)
{
    struct row r = { 0 };
    /* A fresh port each time: a killed io_uring server's ring is torn down
     * after it dies, and its pending accept holds the old socket a while. */
    port = 0;
    int lfd = tcp_listen_loopback(&port);
    double idle = idle_child_mb();
    pid_t pid = fork();
    if (pid == 0) {
        pin(1);
        server(lfd);
        _exit(0);
    }
    close(lfd);
    struct syscount sc;
    syscount_start(&sc, pid); /* waits for perf to attach; the server idles */
    lat->n = lat->ok = 0;
    cpu_set_t saved;
    sched_getaffinity(0, sizeof saved, &saved);
    pin(0);
    double t0 = now_s();
    if (run_load(clients, seconds) != 0)
        fprintf(stderr, "bench_echo: could not open %d connections\n", clients);
    double wall = now_s() - t0;
    unpin(&saved);
    long calls = syscount_stop(&sc);
    kill(pid, SIGKILL);
    usage_of(pid, &r);
    latency(&r, wall);
    r.mb -= idle;
    *calls_per_req = calls < 0 || !r.ok ? -1 : (double)calls / (double)r.ok;
    return r;
}

int main(void)
{
    uring_or_keep_data("bench_echo", "plots/06-io-uring/echo.dat");
    int quick = quick_mode(), rounds = quick ? 1 : ROUNDS;
    int clients = quick ? 50 : 1000;
    double seconds = quick ? 0.2 : 2.0;
    nreq = quick ? 100 : 2000;
    raise_fd_limit(4 * (nreq > clients ? nreq : clients) + 1024);
    lat = mmap(NULL, sizeof *lat, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (lat == MAP_FAILED)
        return 1;
    enum { C = 3, S = 4, ROWS = C + S };
    const char *names[ROWS] = { "slow-evloop", "slow-libuv", "slow-uring", "echo-evloop",
                                "echo-libuv", "echo-uring", "echo-uring-sqpoll" };
    void (*clients_of[C])(void) = { slow_evloop, slow_libuv, slow_uring };
    void (*servers[S])(int) = { echo_evloop, echo_libuv, echo_uring, echo_uring_sqpoll };
    struct row rows[ROWS][ROUNDS];
    double calls[ROWS][ROUNDS];
    struct slow_server ss;
    if (slow_server_start(&ss, 200) != 0)
        return 1;
    port = ss.port;
    for (int k = 0; k < rounds; k++) /* take turns, a different one first each round */
        for (int j = 0; j < C; j++) {
            int i = (j + k) % C;
            rows[i][k] = measure_client_counted(clients_of[i], &calls[i][k]);
        }
    slow_server_stop(&ss);
    for (int k = 0; k < rounds; k++)
        for (int j = 0; j < S; j++) {
            int i = C + (j + k) % S;
            rows[i][k] = measure_counted(servers[i - C], clients, seconds, &calls[i][k]);
        }
    print_machine(stdout);
    printf("# slow-*: %d requests at once to the slow server (200 ms); the client's CPU and memory\n",
           nreq);
    printf("# echo-*: %d clients, 32-byte messages, %.1f s; the server's CPU and memory\n",
           clients, seconds);
    printf("# chapter 5's load generator, slow server, clients and servers, plus the io_uring ones\n");
    printf("# the one measured on one core, the load (or slow server) on the other; median of %d "
           "rounds, taking turns; libuv %s, liburing\n", rounds, uv_version_string());
    printf("# syscalls/request: the measured program's, counted by perf (raw_syscalls:sys_enter); "
           "-1 where perf could not count\n");
    printf("# memory: peak resident memory above that of an idle child forked at the same point\n");
    printf("# sqpoll: the kernel's submission thread counts in the server's CPU\n");
    printf("# the machine is shared with other work and was busy while this ran\n");
    long wrong = 0;
    for (int i = 0; i < ROWS; i++)
        for (int k = 0; k < rounds; k++)
            wrong += rows[i][k].n - rows[i][k].ok;
    printf("# requests not answered correctly: %ld\n", wrong);
    printf("# columns: test requests/s p50_(ms) p99_(ms) CPU_(s) CPU/request_(us) "
           "syscalls/request memory_(MB)\n");
    for (int i = 0; i < ROWS; i++) {
        struct row *r = rows[i];
        printf("%-18s %8.0f %7.2f %7.2f %6.2f %7.1f %7.3f %6.1f\n", names[i],
               med(r, rounds, offsetof(struct row, per_s)),
               med(r, rounds, offsetof(struct row, p50)),
               med(r, rounds, offsetof(struct row, p99)),
               med(r, rounds, offsetof(struct row, cpu)),
               med(r, rounds, offsetof(struct row, us_per_req)), median(calls[i], rounds),
               med(r, rounds, offsetof(struct row, mb)));
    }
    return wrong ? 1 : 0;
}
