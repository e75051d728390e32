/* Tests for exercise 4.2, the line server.
 *
 * Each test starts the learner's line_server() in the sandbox on a free
 * loopback port, talks to it from the test process, then stops it through
 * the stop pipe and checks that it returned cleanly: every client socket
 * closed, no memory leaked.  While it runs, the test looks at the server
 * through /proc (peek.h): the sockets it holds and the CPU it burns. */
#define _GNU_SOURCE
#include "client.h"
#include "grader.h"
#include "io.h"
#include "lineserver.h"
#include "net.h"
#include "peek.h"
#include "timing.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

struct server {
    struct gr_proc proc;
    int lfd, port, stop[2];
};

struct server_arg {
    int lfd, stop_fd;
};

static pid_t server_pid; /* the server the running test talks to */

static void serve(void *arg, void *out)
{
    struct server_arg *a = arg;
    *(int *)out = line_server(a->lfd, a->stop_fd);
}

/* small_buffers: the connections the server accepts get small, fixed
 * kernel buffers (they inherit them from the listening socket), so that
 * a few hundred KB fill them: send() then returns short or EAGAIN soon,
 * and a server that pauses reading soon stops taking data. */
static void start_with(struct server *s, int small_buffers)
{
    signal(SIGPIPE, SIG_IGN); /* a dead server must not kill the test */
    s->port = 0;
    s->lfd = tcp_listen_loopback(&s->port);
    int small = 32 * 1024;
    if (small_buffers && s->lfd >= 0) {
        setsockopt(s->lfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        setsockopt(s->lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    }
    cr_assert(s->lfd >= 0 && pipe(s->stop) == 0, "the test could not set up a socket");
    struct server_arg a = { s->lfd, s->stop[0] };
    struct gr_limits lim = { .timeout_s = 30, .no_leak_check = 0 };
    cr_assert(gr_start(&s->proc, serve, &a, sizeof(int), &lim) == 0,
              "the grader could not start the server");
    server_pid = s->proc.pid;
    cl_watch(server_pid); /* a client's wait ends when the server dies */
}

static void start(struct server *s)
{
    start_with(s, 0);
}

/* Stop the server the polite way and check what it left behind. */
static void stop(struct server *s)
{
    (void)!write(s->stop[1], "x", 1);
    int rc = -2;
    s->proc.deadline = now_s() + 5; /* returning takes a moment, not more */
    struct gr_run r = gr_finish(&s->proc, 0, &rc);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    if (r.outcome == GR_TIMEOUT)
        cr_assert_fail("line_server() did not return within 5 s of stop_fd "
                       "becoming readable: watch stop_fd, and call el_stop() "
                       "(or leave your loop) when it is readable");
    gr_assert_clean(r, "line_server()");
    cr_assert_eq(rc, 0, "line_server() returned %d after a normal stop; expected 0", rc);
}

/* If the server died, fail with the reason (a crash, SIGPIPE...). */
static void assert_alive(struct server *s, const char *when)
{
    if (cl_alive(s->proc.pid))
        return;
    struct gr_run r = gr_finish(&s->proc, 0, NULL);
    cr_assert_fail("line_server() died %s: %s", when,
                   r.problem[0] ? r.problem : "it returned early");
}

static int client(struct server *s)
{
    int fd = tcp_connect_loopback(s->port);
    cr_assert(fd >= 0, "the test could not connect to the server");
    return fd;
}

/* Read exactly n bytes, waiting at most timeout_ms in all.  Returns the
 * bytes read. */
static size_t read_within(int fd, char *buf, size_t n, int timeout_ms)
{
    size_t got = 0;
    double until = now_s() + timeout_ms / 1e3;
    while (got < n) {
        int left = (int)((until - now_s()) * 1e3);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (left <= 0 || !cl_alive(server_pid)) /* a dead server sends nothing */
            break;
        int ready = poll(&p, 1, left < 50 ? left : 50);
        if (ready < 0)
            break;
        if (ready == 0)
            continue;
        ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
        if (r <= 0 && !(r < 0 && errno == EAGAIN))
            break;
        got += r > 0 ? (size_t)r : 0;
    }
    return got;
}

/* Fail with `fmt`, unless the server has died: then say why it did
 * (a crash, SIGPIPE, or a stub that is not started yet). */
#define SERVER_ASSERT(s, cond, ...)                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            assert_alive((s), "before the test was over");                  \
            cr_assert_fail(__VA_ARGS__);                                    \
        }                                                                   \
    } while (0)

/* Messages show a newline as | (Criterion's report cannot hold quotes,
 * backslashes or control characters). */
static void expect(struct server *s, int fd, const char *want, const char *after)
{
    char got[256] = "", shown[2][256];
    size_t n = read_within(fd, got, strlen(want), 3000);
    SERVER_ASSERT(s, n == strlen(want) && memcmp(got, want, n) == 0,
                  "after %s, the client expected the reply %s within 3 s, but got %s%s",
                  after, peek_printable(want, strlen(want), shown[0], sizeof shown[0]),
                  n ? "" : "nothing", peek_printable(got, n, shown[1], sizeof shown[1]));
}

static void nothing_for(struct server *s, int fd, int ms, const char *after)
{
    char c;
    SERVER_ASSERT(s, read_within(fd, &c, 1, ms) == 0, "after %s, the server sent a reply "
              "before the line was complete: answer complete lines only", after);
}

static void say(int fd, const char *text)
{
    cr_assert(send(fd, text, strlen(text), MSG_NOSIGNAL) == (ssize_t)strlen(text),
              "the test could not send to the server");
}

/* ---- the protocol --------------------------------------------------------- */

Test(lineserver, answers_in_upper_case)
{
    struct server s;
    start(&s);
    int fd = client(&s);
    say(fd, "Hello, World 42\n");
    expect(&s, fd, "HELLO, WORLD 42\n", "sending the line Hello, World 42");
    say(fd, "a\nbb\nccc\n");
    expect(&s, fd, "A\nBB\nCCC\n", "sending three lines, a, bb and ccc, in one write");
    close(fd);
    stop(&s);
}

Test(lineserver, lines_may_arrive_in_pieces)
{
    struct server s;
    start(&s);
    int fd = client(&s);
    say(fd, "he");
    nothing_for(&s, fd, 150, "sending he (no newline yet)");
    say(fd, "llo\nwor");
    expect(&s, fd, "HELLO\n", "sending he, then llo, a newline and wor");
    nothing_for(&s, fd, 150, "sending wor (no newline yet)");
    say(fd, "ld\n");
    expect(&s, fd, "WORLD\n", "sending ld and a newline to finish world");
    close(fd);
    stop(&s);
}

/* 1 if the server closes fd within timeout_ms (end of file or a reset),
 * reading and dropping whatever it still sends. */
static int closed_within(int fd, int timeout_ms)
{
    char buf[4096];
    double until = now_s() + timeout_ms / 1e3;
    while (now_s() < until && !cl_server_gone()) { /* a dead server closes nothing */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        ssize_t r = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
            return 1;
    }
    return 0;
}

/* A line that outgrows LINE_MAX_BYTES without a newline: the server cannot
 * hold it, so it closes that client and serves the others. */
Test(lineserver, an_overlong_line_is_disconnected)
{
    struct server s;
    start(&s);
    int fd = client(&s), other = client(&s);
    char big[LINE_MAX_BYTES + 100];
    memset(big, 'x', sizeof big);
    cr_assert(send(fd, big, sizeof big, MSG_NOSIGNAL) == (ssize_t)sizeof big,
              "the test could not send to the server");
    SERVER_ASSERT(&s, closed_within(fd, 3000), "after %zu bytes with no newline "
                  "(LINE_MAX_BYTES is %d), the server should close that "
                  "connection within 3 s, but it stayed open", sizeof big,
                  LINE_MAX_BYTES);
    say(other, "still here\n");
    expect(&s, other, "STILL HERE\n", "another client sent still here");
    close(fd);
    close(other);
    stop(&s);
}

/* A listening descriptor that is not one (-1): the server cannot start,
 * so it returns -1 at once instead of waiting for a stop that never comes. */
static void serve_nothing(void *arg, void *out)
{
    *(int *)out = line_server(-1, *(int *)arg);
}

Test(lineserver, cannot_start_returns_minus_one)
{
    int stop[2];
    cr_assert(pipe(stop) == 0, "the test could not make a pipe");
    int rc = 0;
    struct gr_limits lim = { .timeout_s = 3 };
    struct gr_run r = gr_run_fn(serve_nothing, &stop[0], &rc, sizeof rc, &lim);
    close(stop[0]);
    close(stop[1]);
    const char *what = "line_server(-1, stop_fd) (no listening socket)";
    gr_assert_clean(r, what);
    cr_assert_eq(rc, -1, "%s returned %d: a server that cannot start returns -1", what, rc);
}

#define CLIENTS 200

Test(lineserver, many_clients_at_once)
{
    struct server s;
    start(&s);
    int slow = client(&s);
    say(slow, "unfinished"); /* a blocking server would wait here for ever */
    int fd[CLIENTS];
    char line[64];
    for (int i = 0; i < CLIENTS; i++) {
        fd[i] = client(&s);
        snprintf(line, sizeof line, "client %d\n", i);
        say(fd[i], line);
    }
    for (int i = 0; i < CLIENTS; i++) {
        char want[64], got[64] = "";
        snprintf(want, sizeof want, "CLIENT %d\n", i);
        size_t n = read_within(fd[i], got, strlen(want), 3000);
        SERVER_ASSERT(&s, n == strlen(want) && memcmp(got, want, n) == 0,
                  "one client sent half a line, then %d others sent a line each; "
                  "client %d got %s instead of its reply within 3 s: does the "
                  "server wait for one client while others are ready?",
                  CLIENTS, i, n ? "a wrong answer" : "nothing");
    }
    say(slow, " line\n");
    expect(&s, slow, "UNFINISHED LINE\n", "the first client finished its line");
    for (int i = 0; i < CLIENTS; i++)
        close(fd[i]);
    close(slow);
    stop(&s);
}

/* ---- partial writes and backpressure ------------------------------------- */

/* Far more than the kernel buffers between client and server when both
 * have small buffers: 20,000 lines of 100 bytes. */
#define FLOOD 2000000

static char *flood_text(size_t n)
{
    char *t = malloc(n);
    for (size_t i = 0; i < n; i++) /* lines of 100 bytes, mixed case */
        t[i] = i % 100 == 99 ? '\n' : (char)((i * 7 + i / 100) % 26 + (i % 3 ? 'a' : 'A'));
    return t;
}

struct sender {
    int fd;
    const char *text;
    size_t len;
    size_t sent; /* read by the main thread: atomics */
    int done;
};

static void *send_it(void *arg)
{
    struct sender *s = arg;
    size_t sent = 0;
    while (sent < s->len) {
        size_t chunk = s->len - sent < 65536 ? s->len - sent : 65536;
        ssize_t n = send(s->fd, s->text + sent, chunk, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        sent += (size_t)n;
        __atomic_store_n(&s->sent, sent, __ATOMIC_RELAXED);
    }
    __atomic_store_n(&s->done, 1, __ATOMIC_RELAXED);
    return NULL;
}

static int small_buffer_client(struct server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 16 * 1024; /* set before connecting, so the window stays small */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    cr_assert(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "could not connect");
    return fd;
}

Test(lineserver, partial_writes_are_finished)
{
    struct server s;
    start_with(&s, 1);
    size_t flood = FLOOD;
    char *text = flood_text(flood), *back = malloc(flood);
    int fd = small_buffer_client(&s);
    struct sender snd = { fd, text, flood, 0, 0 };
    pthread_t t;
    pthread_create(&t, NULL, send_it, &snd);
    /* Read nothing until everything is sent, or the server stops taking
     * more: by then its replies no longer fit in the socket, and send()
     * has returned short or EAGAIN. */
    size_t last = 0;
    double since = now_s();
    while (!__atomic_load_n(&snd.done, __ATOMIC_RELAXED) && now_s() - since < 0.2) {
        peek_sleep_ms(10);
        size_t now = __atomic_load_n(&snd.sent, __ATOMIC_RELAXED);
        if (now != last)
            last = now, since = now_s();
    }
    size_t got = 0;
    for (;;) {
        size_t n = read_within(fd, back + got, flood - got < 65536 ? flood - got : 65536, 1500);
        got += n;
        if (n == 0 || got == flood)
            break;
    }
    shutdown(fd, SHUT_RDWR); /* unblocks the sender if the server stopped reading */
    pthread_join(t, NULL);
    close(fd);
    size_t bad = 0;
    while (bad < got && back[bad] == toupper((unsigned char)text[bad]))
        bad++;
    free(text);
    free(back);
    assert_alive(&s, "while a client sent a flood of lines and read slowly");
    cr_assert(got == flood, "a client sent %.1f MB of lines before reading any reply, "
              "and got only %zu bytes back (then nothing for 1.5 s): when send() "
              "takes only part of a reply, or none (EAGAIN), keep the rest and send "
              "it when the socket is writable", flood / 1e6, got);
    cr_assert(bad == got, "a client sent %.1f MB of lines before reading any reply; "
              "the replies are wrong from byte %zu on: were parts of them skipped or "
              "sent twice after a partial write?", flood / 1e6, bad);
    stop(&s);
}

Test(lineserver, backpressure_stops_a_flood)
{
    struct server s;
    start_with(&s, 1);
    int fd = small_buffer_client(&s);
    set_nonblocking(fd);
    char chunk[65536];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = i % 64 == 63 ? '\n' : 'x';
    size_t sent = 0;
    double t0 = now_s(), last_progress = t0;
    int stalled = 0;
    while (!stalled && now_s() - t0 < 3 && sent < (256u << 20)) {
        ssize_t n = send(fd, chunk, sizeof chunk, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            last_progress = now_s();
        } else {
            peek_sleep_ms(1);
            stalled = now_s() - last_progress > 0.3;
        }
    }
    close(fd);
    assert_alive(&s, "while a client sent lines without reading any reply");
    cr_assert(stalled, "a client sent lines without ever reading a reply, and the "
              "server kept taking them: %zu MB in %.1f s.  While more than 64 KiB "
              "of replies wait for a client, stop reading from it (el_set_events "
              "without EL_READ); the kernel then makes the client wait",
              sent >> 20, now_s() - t0);
    stop(&s);
}

/* ---- clients that vanish -------------------------------------------------- */

static void reset_on_close(int fd)
{
    struct linger l = { 1, 0 }; /* close() sends RST: the connection is reset */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

Test(lineserver, no_descriptor_leaked_when_clients_vanish)
{
    struct server s;
    start(&s);
    int probe = client(&s); /* one client that stays, to learn the baseline */
    say(probe, "ready?\n");
    expect(&s, probe, "READY?\n", "the first line");
    int base = peek_sockets(s.proc.pid);
    char big[256 * 1024];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = i % 100 == 99 ? '\n' : 'q';
    for (int i = 0; i < 30; i++) {
        int fd = client(&s);
        if (i < 20)
            say(fd, "half a li"); /* mid-request: no newline */
        else /* a lot of requests, replies never read: the server's send fails */
            (void)!send(fd, big, sizeof big, MSG_NOSIGNAL);
        if (i % 2)
            reset_on_close(fd);
        peek_sleep_ms(2);
        close(fd);
    }
    int now = base + 30;
    for (double until = now_s() + 2; now_s() < until && now > base; peek_sleep_ms(20))
        now = peek_sockets(s.proc.pid);
    assert_alive(&s, "after 30 clients went away (SIGPIPE? use send() with MSG_NOSIGNAL)");
    say(probe, "still there?\n");
    expect(&s, probe, "STILL THERE?\n", "30 other clients went away");
    cr_assert(now <= base, "30 clients went away (10 closed mid-line, 10 reset the "
              "connection, 10 left with replies unread), but 2 s later the server "
              "still held %d more socket%s than before: close a client's socket as "
              "soon as read() returns 0 or an error, or send() fails",
              now - base, now - base > 1 ? "s" : "");
    close(probe);
    stop(&s);
}

/* ---- no busy waiting ------------------------------------------------------ */

Test(timing, an_idle_server_uses_no_cpu)
{
    struct server s;
    start(&s);
    int fd[20];
    for (int i = 0; i < 20; i++) {
        fd[i] = client(&s);
        if (i % 2)
            say(fd[i], "half a line, "); /* waiting for the rest */
    }
    peek_sleep_ms(100);
    /* 300 ms: a polling loop uses nearly all of it, a sleeping server a
     * tick at most (docs/data/fairness-idle.dat; 600 ms before). */
    double c0 = peek_cpu(s.proc.pid), t0 = now_s();
    peek_sleep_ms(300);
    double cpu = peek_cpu(s.proc.pid) - c0, wall = now_s() - t0;
    assert_alive(&s, "while idle");
    say(fd[1], "the rest\n");
    expect(&s, fd[1], "HALF A LINE, THE REST\n", "an idle pause");
    for (int i = 0; i < 20; i++)
        close(fd[i]);
    cr_assert(cpu <= 0.05 * wall + 0.02, "with 20 clients connected and none "
              "sending, the server used %.0f ms of CPU in %.0f ms (%.0f%%): an "
              "idle server must sleep in the kernel (epoll_wait or poll with no "
              "timeout, or the time to the next timer), not poll in a loop",
              cpu * 1e3, wall * 1e3, 100 * cpu / wall);
    stop(&s);
}

/* ---- one client that stops reading must not freeze the others ------------ */

/* A hog sends 100-byte lines and never reads a reply, until the server's
 * buffers towards it are full and it stops taking lines; another client
 * sends a line every 2 ms meanwhile, and its reply must keep coming.  A
 * server that loops on send(), or made the socket blocking, is stuck in
 * send() from then on and answers nobody until the hog leaves. */
Test(lineserver, a_client_that_stops_reading_freezes_nothing, .timeout = 40)
{
    struct server s;
    start_with(&s, 1);
    static char hog_line[101];
    memset(hog_line, 'h', 99);
    hog_line[99] = '\n';
    struct cl_hog h = { .request = hog_line, .reply_bytes = 100, .probe = "ping\n",
                        .answer = "PING", .hello_s = 3.0 };
    struct cl_stall S = cl_probe_beside_hog(s.port, &h);
    cr_log_info("beside a client that stopped reading (%.1f MB of replies asked): "
                "%d replies, median %.2f ms, 90th percentile %.2f ms, longest %.0f ms",
                S.asked_mb, S.probes, S.p50, S.p90, S.frozen_s * 1e3);
    assert_alive(&s, "while one client sent lines and read no reply (SIGPIPE? "
                 "use send() with MSG_NOSIGNAL)");
    SERVER_ASSERT(&s, S.wrong != -1, "a client could not connect, or got no reply "
                  "to its first line within 3 s");
    cr_assert(S.frozen_s < CL_FROZEN_FAIL_S, "one client that stopped reading froze "
              "the server for %.1f s: it sent %.2f MB of lines and read no reply, and "
              "meanwhile another client's 'ping' line got no reply (the replies that "
              "came took %.1f ms, median).  Never wait in send(): keep the socket "
              "non-blocking, keep what send() did not take, and stop reading from "
              "that client (el_set_events without EL_READ) until it catches up.  "
              "Re-run: %s", S.frozen_s, S.sent_mb, S.p50, gr_rerun());
    cr_assert(S.wrong == 0, "beside a client that stopped reading, another client "
              "sent 'ping' and got '%s' instead of 'PING'%s", S.reply,
              S.wrong == -2 ? " after the first client left" : "");
    stop(&s);
}
