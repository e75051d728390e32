/* Tests for exercise 6.2, the line server on io_uring.
 *
 * The same protocol, clients and checks as exercise 4.2's tests (chapter
 * 4's peek.h looks at the running server through /proc), plus what is
 * particular to completions: each receive must be re-armed, each
 * completion marked seen, and every operation in flight must have come
 * back before the server frees its buffers and returns.  The wrappers of
 * uring_watch.h count, in the sandboxed server, its submits and how often
 * one completion was handed out again. */
#define _GNU_SOURCE
#include "client.h"
#include "grader.h"
#include "io.h"
#include "uring_lineserver.h"
#include "net.h"
#include "timing.h"
#include "uring_probe.h"
#include "uring_watch.h"
#include "../04-event-loop/peek.h"

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

struct served {
    int rc, threads;
};

static pid_t server_pid; /* the server the running test talks to */

static void need_uring(void)
{
    char why[512];
    if (!uring_usable(why, sizeof why))
        cr_skip_test("%s", why);
}

/* The kernel's io-wq workers (iou-wrk-PID) are threads of the process:
 * the sandbox's thread check is replaced by one that leaves them out. */
static void serve(void *arg, void *out)
{
    struct server_arg *a = arg;
    struct served *r = out;
    r->rc = uring_line_server(a->lfd, a->stop_fd);
    r->threads = uw_threads_besides_io_uring() - 1;
}

/* small_buffers: the connections the server accepts get small, fixed
 * kernel buffers (they inherit them from the listening socket), so that
 * a few hundred KB fill them: sends then complete short, and a server
 * that stops receiving soon stops taking data. */
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
    struct gr_limits lim = { .timeout_s = 30, .allow_threads = 1 };
    uw_reset();
    cr_assert(gr_start(&s->proc, serve, &a, sizeof(struct served), &lim) == 0,
              "the grader could not start the server");
    server_pid = s->proc.pid;
    cl_watch(server_pid); /* a client's wait ends when the server dies */
}

static void start(struct server *s)
{
    start_with(s, 0);
}

/* Submits in a row with completions waiting and the completion queue's
 * head never moving: a completion never marked seen. */
static int cq_stuck(void)
{
    return uw->stuck_max >= 100;
}

/* A completion handed out twice explains whatever went wrong after it. */
static void assert_cqes_seen(void)
{
    cr_assert(!cq_stuck(), "the server went round its loop %ld times (counted "
              "at io_uring_submit) with completions waiting and the completion queue's "
              "head never moving: a completion never marked seen (io_uring_cqe_seen) "
              "is handed out again for ever; mark every one seen, on every path",
              uw->stuck_max);
    cr_assert(uw->same_cqe_max < 2, "io_uring_wait_cqe() handed the server the same "
              "completion %ld times in a row: mark every completion seen "
              "(io_uring_cqe_seen), on every path, or it comes back for ever",
              uw->same_cqe_max);
}

/* Stop the server the polite way and check what it left behind. */
static void stop(struct server *s)
{
    (void)!write(s->stop[1], "x", 1);
    struct served out = { -2, 0 };
    /* Returning takes a moment, not more; a server stuck on a completion
     * it never marks seen never returns, and fails assert_cqes_seen()
     * below whatever it does: it is not waited for. */
    double until = now_s() + 5;
    while (cl_alive(s->proc.pid) && !cq_stuck() && now_s() < until)
        peek_sleep_ms(2);
    s->proc.deadline = cq_stuck() ? now_s() : until;
    struct gr_run r = gr_finish(&s->proc, 0, &out);
    close(s->lfd);
    close(s->stop[0]);
    close(s->stop[1]);
    assert_cqes_seen();
    if (r.outcome == GR_TIMEOUT)
        cr_assert_fail("uring_line_server() did not return within 5 s of stop_fd "
                       "becoming readable: keep an operation on stop_fd in flight, and "
                       "when it completes, end the clients, cancel the accept and leave "
                       "the loop once everything in flight has come back");
    gr_assert_clean(r, "uring_line_server()");
    cr_assert(out.threads <= 0, "uring_line_server() left %d thread%s running: one "
              "thread serves every client", out.threads, out.threads > 1 ? "s" : "");
    cr_assert_eq(out.rc, 0, "uring_line_server() returned %d after a normal stop; "
                 "expected 0", out.rc);
    cr_assert(uw->submits > 0, "uring_line_server() served clients without calling "
              "io_uring_submit() (or submit_and_wait): the operations must go through "
              "the ring");
}

/* If the server died, fail with the reason (a completion handled twice,
 * a crash, SIGPIPE...). */
static void assert_alive(struct server *s, const char *when)
{
    if (cl_alive(s->proc.pid))
        return;
    struct gr_run r = gr_finish(&s->proc, 0, NULL);
    assert_cqes_seen();
    cr_assert_fail("uring_line_server() died %s: %s", when,
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
            assert_cqes_seen();                                             \
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

Test(uring_lineserver, answers_in_upper_case)
{
    struct server s;
    need_uring();
    start(&s);
    int fd = client(&s);
    say(fd, "Hello, World 42\n");
    expect(&s, fd, "HELLO, WORLD 42\n", "sending the line Hello, World 42");
    say(fd, "a\nbb\nccc\n");
    expect(&s, fd, "A\nBB\nCCC\n", "sending three lines, a, bb and ccc, in one write");
    close(fd);
    stop(&s);
}

Test(uring_lineserver, receive_is_re_armed)
{
    struct server s;
    need_uring();
    start(&s);
    int fd = client(&s);
    say(fd, "first\n");
    expect(&s, fd, "FIRST\n", "sending the line first");
    peek_sleep_ms(100);
    say(fd, "second\n");
    char got[16];
    size_t n = read_within(fd, got, 7, 3000);
    SERVER_ASSERT(&s, n == 7 && memcmp(got, "SECOND\n", 7) == 0, "the server answered a "
                  "client's first line but %s its second, sent 100 ms later: after each "
                  "receive completes, submit the client's next one (re-arm it), unless "
                  "backpressure holds it", n ? "gave a wrong answer to" : "not");
    close(fd);
    stop(&s);
}

Test(uring_lineserver, lines_may_arrive_in_pieces)
{
    struct server s;
    need_uring();
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

#define CLIENTS 200

Test(uring_lineserver, many_clients_at_once)
{
    struct server s;
    need_uring();
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

Test(uring_lineserver, partial_writes_are_finished)
{
    struct server s;
    need_uring();
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
              "and got only %zu bytes back (then nothing for 1.5 s): when a send "
              "completes with fewer bytes than asked, submit the rest", flood / 1e6, got);
    cr_assert(bad == got, "a client sent %.1f MB of lines before reading any reply; "
              "the replies are wrong from byte %zu on: were parts of them skipped or "
              "sent twice after a short send?", flood / 1e6, bad);
    stop(&s);
}

Test(uring_lineserver, backpressure_stops_a_flood)
{
    struct server s;
    need_uring();
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
              "of replies wait for a client, stop reading from it ; the kernel then makes the client wait",
              sent >> 20, now_s() - t0);
    stop(&s);
}

/* ---- clients that vanish -------------------------------------------------- */

static void reset_on_close(int fd)
{
    struct linger l = { 1, 0 }; /* close() sends RST: the connection is reset */
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

Test(uring_lineserver, no_descriptor_leaked_when_clients_vanish)
{
    struct server s;
    need_uring();
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
    assert_alive(&s, "after 30 clients went away (SIGPIPE? send with MSG_NOSIGNAL)");
    say(probe, "still there?\n");
    expect(&s, probe, "STILL THERE?\n", "30 other clients went away");
    cr_assert(now <= base, "30 clients went away (10 closed mid-line, 10 reset the "
              "connection, 10 left with replies unread), but 2 s later the server "
              "still held %d more socket%s than before: end a client when its "
              "receive completes with 0 or an error, or a send fails, and close its socket "
              "once none of its operations is in flight",
              now - base, now - base > 1 ? "s" : "");
    close(probe);
    stop(&s);
}

/* A client that resets its connection while the server has both a send
 * and a receive of it in flight: 100 KB of lines, no reply read, fill
 * the small socket buffers, so the server's send waits with fewer than
 * 64 KiB of replies behind it and its receive stays armed.  Both then
 * complete with an error, one after the other; a client freed at the
 * first is written to at the second. */
Test(uring_lineserver, reset_with_a_send_and_a_receive_in_flight)
{
    struct server s;
    need_uring();
    start_with(&s, 1);
    int probe = client(&s);
    say(probe, "before\n");
    expect(&s, probe, "BEFORE\n", "the first line");
    static char lines[200 * 1000];
    for (size_t i = 0; i < sizeof lines; i++)
        lines[i] = i % 100 == 99 ? '\n' : 'r';
    /* How much fills the buffers depends on the kernel: 10 clients send
     * from 40 KB to 175 KB, so that some land in the window. */
    for (int k = 0; k < 10; k++) {
        int fd = small_buffer_client(&s);
        struct timeval t = { 0, 300000 }; /* a send that stalls gives up */
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
        (void)!send(fd, lines, 40000 + 15000 * (size_t)k, MSG_NOSIGNAL);
        peek_sleep_ms(100); /* the server answers until the buffers are full */
        reset_on_close(fd);
        close(fd);
        peek_sleep_ms(30);
    }
    assert_alive(&s, "after 10 clients reset their connections while the server was "
                 "sending to them and receiving from them: free a client only when "
                 "none of its operations is in flight any more");
    say(probe, "after\n");
    expect(&s, probe, "AFTER\n", "10 other clients reset their connections mid-send");
    close(probe);
    stop(&s);
}

/* ---- no busy waiting ------------------------------------------------------ */

Test(timing, an_idle_server_uses_no_cpu)
{
    struct server s;
    need_uring();
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
              "idle server must sleep in the kernel (io_uring_wait_cqe), not peek at "
              "the completion queue in a loop",
              cpu * 1e3, wall * 1e3, 100 * cpu / wall);
    stop(&s);
}

/* ---- one client that stops reading must not freeze the others ------------ */

/* A hog sends 100-byte lines and never reads a reply, until the server's
 * buffers towards it are full and it stops taking lines; another client
 * sends a line every 2 ms meanwhile, and its reply must keep coming.  A
 * server that loops on send(), or made the socket blocking, is stuck in
 * send() from then on and answers nobody until the hog leaves. */
Test(uring_lineserver, a_client_that_stops_reading_freezes_nothing, .timeout = 40)
{
    struct server s;
    need_uring();
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
                 "send with MSG_NOSIGNAL)");
    SERVER_ASSERT(&s, S.wrong != -1, "a client could not connect, or got no reply "
                  "to its first line within 3 s");
    cr_assert(S.frozen_s < CL_FROZEN_FAIL_S, "one client that stopped reading froze "
              "the server for %.1f s: it sent %.2f MB of lines and read no reply, and "
              "meanwhile another client's 'ping' line got no reply (the replies that "
              "came took %.1f ms, median).  Never wait for a send: keep it in flight "
              "while the loop goes on, and do not re-arm that client's receive "
              "until its sends catch up.  "
              "Re-run: %s", S.frozen_s, S.sent_mb, S.p50, gr_rerun());
    cr_assert(S.wrong == 0, "beside a client that stopped reading, another client "
              "sent 'ping' and got '%s' instead of 'PING'%s", S.reply,
              S.wrong == -2 ? " after the first client left" : "");
    stop(&s);
}

/* ---- where io_uring is not allowed ---------------------------------------- */

/* Once the server answers, the skip path: a whole test skipped, with the
 * probe's sentence, when GRADER_NO_IO_URING=1 forces it. */
Test(skip, said_when_io_uring_is_off)
{
    struct server s;
    need_uring();
    start(&s);
    int fd = client(&s);
    say(fd, "ok?\n");
    expect(&s, fd, "OK?\n", "sending the line ok?");
    close(fd);
    stop(&s);
    const char *bad = uw_forced_skip("uring_lineserver/answers_in_upper_case");
    cr_assert(!bad[0], "%s", bad);
    bad = uw_reasons_wrong();
    cr_assert(!bad[0], "%s", bad);
}
