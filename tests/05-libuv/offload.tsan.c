/* ThreadSanitizer driver for exercise 5.3: the server runs on the main
 * thread, its counts on libuv's pool threads, and a client thread asks
 * for counts on four connections at once (one of them leaves before its
 * answer), pings meanwhile, then stops the server while eight counts are
 * in flight: more than the pool's four threads, so some are running and
 * some still queued (the stop cancels those), and two of their clients
 * leave just before it.  Every pair the contract lets meet does: a count
 * finishing while its client leaves, while the stop closes everything,
 * and while another is cancelled.  A work callback that touches the
 * client, or anything else the loop thread also uses, is a race TSan
 * reports with both lines. */
#define _GNU_SOURCE
#include "offload.h"
#include "net.h"
#include "primes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int port, stop_w, failures;

static int line(int fd, char *buf, size_t n)
{
    size_t got = 0;
    char c;
    while (got + 1 < n && read(fd, &c, 1) == 1 && c != '\n')
        buf[got++] = c;
    buf[got] = '\0';
    return (int)got;
}

static void expect(int fd, const char *req, const char *want)
{
    char got[64];
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || line(fd, got, sizeof got) < 0 ||
        strcmp(got, want) != 0) {
        printf("the request %.*s got '%s', not '%s'\n", (int)strlen(req) - 1, req, got, want);
        failures++;
    }
}

static void *client(void *arg)
{
    (void)arg;
    int fd[4];
    for (int i = 0; i < 4; i++)
        fd[i] = tcp_connect_loopback(port);
    for (int i = 0; i < 4; i++)
        expect(fd[i], "PING\n", "PONG");
    for (int i = 0; i < 4; i++) {
        char req[64];
        snprintf(req, sizeof req, "PRIMES %d %d\n", i * 50000, (i + 1) * 50000);
        send(fd[i], req, strlen(req), MSG_NOSIGNAL);
    }
    close(fd[3]); /* gone before its answer */
    for (int i = 0; i < 3; i++) {
        char got[64], want[32];
        line(fd[i], got, sizeof got);
        snprintf(want, sizeof want, "%ld",
                 count_primes((uint64_t)i * 50000, (uint64_t)(i + 1) * 50000));
        if (strcmp(got, want) != 0) {
            printf("connection %d got '%s', not '%s'\n", i, got, want);
            failures++;
        }
        expect(fd[i], "PING\n", "PONG");
    }
    send(fd[0], "PRIMES 0 2000000\n", 17, MSG_NOSIGNAL); /* still running at the stop */
    int more[7];
    for (int i = 0; i < 7; i++) { /* with fd[0]: 8 counts, 4 pool threads */
        more[i] = tcp_connect_loopback(port);
        expect(more[i], "PING\n", "PONG");
        send(more[i], "PRIMES 0 300000\n", 17, MSG_NOSIGNAL);
    }
    struct timespec ts = { 0, 10000000 };
    nanosleep(&ts, NULL);
    close(more[5]); /* two leave while their counts run or wait */
    close(more[6]);
    send(stop_w, "x", 1, MSG_NOSIGNAL);
    for (int i = 0; i < 3; i++)
        close(fd[i]);
    for (int i = 0; i < 5; i++)
        close(more[i]);
    return NULL;
}

int main(void)
{
    int sv[2];
    int lfd = tcp_listen_loopback(&port);
    if (lfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 1;
    stop_w = sv[1];
    pthread_t t;
    pthread_create(&t, NULL, client, NULL);
    int rc = offload_serve(lfd, sv[0]);
    pthread_join(t, NULL);
    if (rc != 0) {
        printf("offload_serve() returned %d\n", rc);
        failures++;
    }
    return failures ? 1 : 0;
}
