/* Tests for exercise 5.2, the libuv key-value server.
 *
 * Each test starts kv_serve() in the sandbox on a fresh loopback port,
 * talks to it with blocking clients, then stops it through stop_fd: every
 * test therefore also checks the clean shutdown (no descriptor, thread or
 * byte of memory left, and a return value of 0). */
#define _GNU_SOURCE
#include "kvserver.h"
#include "uvtest.h"

#include <stdlib.h>

#define WHAT "kv_serve()"

Test(kvserver, set_get_del)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 15);
    int fd = cl_connect(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server on port %d", s.port);
    srv_ask(&s, fd, "PONG", "PING\n");
    srv_ask(&s, fd, "NOT_FOUND", "GET apple\n");
    srv_ask(&s, fd, "OK", "SET apple red\n");
    srv_ask(&s, fd, "VALUE red", "GET apple\n");
    srv_ask(&s, fd, "OK", "SET apple green and sour\n");
    srv_ask(&s, fd, "VALUE green and sour", "GET apple\n");
    srv_ask(&s, fd, "PONG", "PING\r\n");
    srv_ask(&s, fd, "DELETED", "DEL apple\n");
    srv_ask(&s, fd, "NOT_FOUND", "GET apple\n");
    srv_ask(&s, fd, "NOT_FOUND", "DEL apple\n");
    srv_ask(&s, fd, "BYE", "QUIT\n");
    char line[64];
    srv_expect(&s, cl_line(fd, line, sizeof line, 3) == -1,
               "after QUIT and BYE the server should close the connection");
    close(fd);
    server_stop_clean(&s);
}

Test(kvserver, clients_share_the_store)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 15);
    int a = cl_connect(s.port), b = cl_connect(s.port);
    srv_expect(&s, a >= 0 && b >= 0, "could not connect to the server");
    srv_ask(&s, a, "OK", "SET colour blue\n");
    srv_ask(&s, b, "VALUE blue", "GET colour\n");
    /* Several requests in one packet: one reply each, in order. */
    const char *want[] = { "PONG", "OK", "VALUE 1", "DELETED", "NOT_FOUND" };
    cl_send(b, "PING\nSET n 1\nGET n\nDEL n\nGET n\n");
    for (int i = 0; i < 5; i++) {
        char got[128];
        cl_line(b, got, sizeof got, 3);
        srv_expect(&s, strcmp(got, want[i]) == 0,
                   "five requests sent in one write should get five replies in "
                   "order; reply %d should be '%s', got '%s'", i + 1, want[i], shown(got));
    }
    /* One request in two pieces. */
    cl_send(a, "GET col");
    struct timespec ts = { 0, 50000000 };
    nanosleep(&ts, NULL);
    srv_ask(&s, a, "VALUE blue", "our\n");
    close(a);
    close(b);
    server_stop_clean(&s);
}

Test(kvserver, bad_requests_get_errors)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 15);
    int fd = cl_connect(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server");
    srv_ask(&s, fd, "ERR unknown command", "FLY me to the moon\n");
    srv_ask(&s, fd, "ERR unknown command", "\n");
    srv_ask(&s, fd, "ERR unknown command", "get apple\n");
    srv_ask(&s, fd, "ERR wrong arguments", "GET\n");
    srv_ask(&s, fd, "ERR wrong arguments", "GET a b\n");
    srv_ask(&s, fd, "ERR wrong arguments", "SET a\n");
    srv_ask(&s, fd, "ERR wrong arguments", "DEL\n");
    srv_ask(&s, fd, "ERR wrong arguments", "PING me\n");
    srv_ask(&s, fd, "PONG", "PING\n"); /* and the connection is still open */
    close(fd);
    server_stop_clean(&s);
}

Test(kvserver, overlong_line_gets_error)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 15);
    int ok = cl_connect(s.port), bad = cl_connect(s.port), bad2 = cl_connect(s.port);
    srv_expect(&s, ok >= 0 && bad >= 0 && bad2 >= 0, "could not connect to the server");
    /* The longest line allowed: exactly KV_MAX_LINE bytes with its '\n'. */
    char value[KV_MAX_LINE], want[KV_MAX_LINE + 8];
    memset(value, 'v', KV_MAX_LINE - 7);
    value[KV_MAX_LINE - 7] = '\0';
    srv_ask(&s, ok, "OK", "SET k %s\n", value);
    snprintf(want, sizeof want, "VALUE %s", value);
    srv_ask(&s, ok, want, "GET k\n");
    /* 1,000 bytes and no end of line in sight. */
    char big[1001];
    memset(big, 'x', 1000);
    big[1000] = '\0';
    char got[128];
    cl_send(bad, big);
    cl_line(bad, got, sizeof got, 3);
    srv_expect(&s, strcmp(got, "ERR line too long") == 0,
               "a client that sent 1,000 bytes without a newline should get "
               "'ERR line too long', got '%s'", shown(got));
    srv_expect(&s, cl_line(bad, got, sizeof got, 3) == -1,
               "after 'ERR line too long' the server should close that connection");
    /* One byte too many, newline included. */
    memset(big, 'y', KV_MAX_LINE);
    big[KV_MAX_LINE] = '\n';
    big[KV_MAX_LINE + 1] = '\0';
    cl_send(bad2, big);
    cl_line(bad2, got, sizeof got, 3);
    srv_expect(&s, strcmp(got, "ERR line too long") == 0,
               "a line of %d bytes (KV_MAX_LINE + 1) should get "
               "'ERR line too long', got '%s'", KV_MAX_LINE + 1, shown(got));
    srv_ask(&s, ok, "PONG", "PING\n"); /* the others are still served */
    close(ok);
    close(bad);
    close(bad2);
    server_stop_clean(&s);
}

/* Clients that vanish: half a line then a reset; thousands of requests
 * whose replies are never read, then a reset while the server still owes
 * them (its writes fail with EPIPE or ECONNRESET); a request and an
 * immediate close.  A witness connection must be served throughout. */
Test(kvserver, abrupt_disconnects)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 20);
    int witness = cl_connect(s.port);
    srv_expect(&s, witness >= 0, "could not connect to the server");
    char value[201];
    memset(value, 'z', 200);
    value[200] = '\0';
    srv_ask(&s, witness, "OK", "SET big %s\n", value);

    for (int round = 0; round < 3; round++) {
        int half = cl_connect(s.port), greedy = cl_connect(s.port),
            rude = cl_connect(s.port);
        srv_expect(&s, half >= 0 && greedy >= 0 && rude >= 0,
                   "could not connect to the server");
        /* A round trip first: the server has accepted these two and reads
         * from them, so the resets reach established connections. */
        srv_ask(&s, half, "PONG", "PING\n");
        srv_ask(&s, greedy, "PONG", "PING\n");
        cl_send(half, "SET half-a-li");
        struct timespec ts = { 0, 20000000 }; /* 20 ms: the server reads it */
        nanosleep(&ts, NULL);
        cl_reset(half);
        static char many[20000 * 8 + 1];
        for (int i = 0; i < 20000; i++)
            memcpy(many + 8 * i, "GET big\n", 8);
        cl_send(greedy, many); /* about 4 MB of replies, never read */
        cl_reset(greedy);
        cl_send(rude, "GET big\n");
        close(rude);
        char got[300];
        cl_ask(witness, "PING\n", got, sizeof got);
        srv_expect(&s, strcmp(got, "PONG") == 0,
                   "after clients vanished (a reset in the middle of a line, a "
                   "reset with 20,000 replies still owed, a close right after a "
                   "request), another client's PING should get 'PONG', got "
                   "'%s'", shown(got));
    }
    srv_ask(&s, witness, "OK", "SET still alive\n");
    srv_ask(&s, witness, "VALUE alive", "GET still\n");
    close(witness);
    server_stop_clean(&s);
}

#define CLIENTS 1000

Test(kvserver, thousand_clients, .timeout = 90)
{
    /* 1,000 client sockets here and 1,000 in the server: more than the
     * usual soft limit of 1,024 descriptors.  Raise it (the server, forked
     * from this process, inherits it). */
    long limit = raise_fd_limit(4096);
    if (limit < 2 * CLIENTS + 64)
        cr_skip_test("the open-file limit is %ld here and cannot be raised to "
                     "%d: 1,000 clients need more", limit, 2 * CLIENTS + 64);
    static int fd[CLIENTS];
    struct served s;
    server_start(&s, kv_serve, WHAT, 60);
    for (int i = 0; i < CLIENTS; i++) {
        fd[i] = cl_connect(s.port);
        srv_expect(&s, fd[i] >= 0, "could not open connection %d of %d", i + 1, CLIENTS);
    }
    /* Every client asks before any reads: all 1,000 are open at once. */
    for (int i = 0; i < CLIENTS; i++) {
        char req[64];
        snprintf(req, sizeof req, "SET key%d value%d\n", i, i);
        srv_expect(&s, cl_send(fd[i], req) == 0, "client %d could not send", i + 1);
    }
    for (int i = 0; i < CLIENTS; i++) {
        char got[64];
        cl_line(fd[i], got, sizeof got, 5);
        srv_expect(&s, strcmp(got, "OK") == 0,
                   "with %d clients connected at once, client %d should get 'OK' "
                   "for its SET, got %s%s%s", CLIENTS, i + 1, got[0] ? "'" : "",
                   got[0] ? shown(got) : "nothing (no reply, or the connection was closed)",
                   got[0] ? "'" : "");
    }
    for (int i = 0; i < CLIENTS; i++) {
        char want[64];
        int j = (i + 7) % CLIENTS;
        snprintf(want, sizeof want, "VALUE value%d", j);
        srv_ask(&s, fd[i], want, "GET key%d\n", j);
    }
    for (int i = 0; i < CLIENTS; i++)
        close(fd[i]);
    server_stop_clean(&s);
}

/* Stop with clients still connected, some in the middle of a line: the
 * server must close them all, free its store and return 0. */
Test(kvserver, clean_shutdown)
{
    struct served s;
    server_start(&s, kv_serve, WHAT, 15);
    int fd[60];
    for (int i = 0; i < 60; i++) {
        fd[i] = cl_connect(s.port);
        srv_expect(&s, fd[i] >= 0, "could not connect to the server");
        if (i % 3 == 0)
            srv_ask(&s, fd[i], "OK", "SET k%d some value %d\n", i, i);
        else if (i % 3 == 1)
            cl_send(fd[i], "SET unfinished li");
    }
    srv_ask(&s, fd[0], "PONG", "PING\n"); /* everything above has arrived */
    double t0 = now_s();
    struct gr_run r = server_stop(&s);
    double took = now_s() - t0;
    for (int i = 0; i < 60; i++)
        close(fd[i]);
    gr_assert_clean(r, "kv_serve(), stopped with 60 clients still connected");
    cr_assert_eq(s.rc, 0, "kv_serve() returned %d after a clean stop; it should "
                 "return 0", s.rc);
    cr_assert(took < 5, "kv_serve() took %.1f s to return after stop_fd became "
              "readable: close the clients, do not wait for them", took);
}

/* One client asks for a 200-byte value over and over and reads no reply,
 * until the server's buffers towards it are full; another client's PING
 * must still be answered meanwhile (grader/server.h). */
Test(kvserver, a_client_that_stops_reading_freezes_nothing, .timeout = 40)
{
    struct served s;
    server_start_small(&s, kv_serve, WHAT, 30);
    int fd = cl_connect(s.port);
    srv_expect(&s, fd >= 0, "could not connect to the server");
    char value[201];
    memset(value, 'z', 200);
    value[200] = '\0';
    srv_ask(&s, fd, "OK", "SET big %s\n", value);
    close(fd);
    struct cl_hog h = { .request = "GET big\n", .reply_bytes = sizeof "VALUE " + 200,
                        .probe = "PING\n", .answer = "PONG", .hello_s = 3.0 };
    srv_never_frozen(&s, &h, UV_NEVER_BLOCK_HINT);
}
