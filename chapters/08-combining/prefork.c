/* prefork.c: N processes, each with its own event loop, one port.
 *
 * The parent opens the listening socket, forks four children and then
 * only supervises.  Each child runs a loop (work_server.h) that accepts
 * connections and answers every request itself, heavy ones included.
 * Twelve clients connect at once and ask for a prime count and for the
 * PID of whoever answers.  Then SIGTERM: each child's handler rings its
 * loop's doorbell, the loop stops, the child closes everything and
 * exits, and the parent reaps them all.
 *
 * It runs twice: with one listening socket shared by every child (one
 * accept queue; whoever wakes first takes the connection), and with one
 * socket per child, all bound to the same port with SO_REUSEPORT (the
 * kernel picks a socket for each new connection by hashing its
 * addresses). */
#define _GNU_SOURCE
#include "net.h"
#include "timing.h"
#include "work_server.h"

#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

enum { CHILDREN = 4, CLIENTS = 12 };

static int ask(int fd, const char *req, char *reply, size_t n)
{
    if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
        return -1;
    size_t got = 0;
    while (got + 1 < n) {
        ssize_t r = read(fd, reply + got, 1);
        if (r <= 0)
            return -1;
        if (reply[got] == '\n')
            break;
        got++;
    }
    reply[got] = '\0';
    return 0;
}

static void run(int reuseport, long *served)
{
    int port = 0, lfd[CHILDREN];
    // [snippet sockets]
    if (reuseport) { /* one socket per child, all on the same port */
        for (int k = 0; k < CHILDREN; k++)
            lfd[k] = tcp_listen_reuseport(&port); /* the first one picks the port */
    } else {         /* one socket, inherited by every child */
        lfd[0] = tcp_listen_loopback(&port);
        for (int k = 1; k < CHILDREN; k++)
            lfd[k] = lfd[0];
    }
    // [end sockets]
    for (int k = 0; k < CHILDREN; k++)
        set_nonblocking(lfd[k]);
    // [snippet fork]
    sigset_t term, old;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigprocmask(SIG_BLOCK, &term, &old); /* children unblock it once ready */
    pid_t pid[CHILDREN];
    for (int k = 0; k < CHILDREN; k++) {
        fflush(NULL);
        pid[k] = fork();
        if (pid[k] == 0) {
            for (int j = 0; j < CHILDREN; j++) /* keep only our own socket */
                if (lfd[j] != lfd[k])
                    close(lfd[j]);
            ws_child(lfd[k], &served[k], NULL); /* never returns */
        }
    }
    for (int k = 0; k < CHILDREN; k++) /* the parent does not accept */
        if (k == 0 || lfd[k] != lfd[0])
            close(lfd[k]);
    // [end fork]

    int fd[CLIENTS];
    char reply[64];
    for (int i = 0; i < CLIENTS; i++) {
        fd[i] = tcp_connect_loopback(port);
        send(fd[i], "PRIMES 2000000 2100000\n", 23, MSG_NOSIGNAL);
    }
    printf("  %s: twelve clients, PRIMES 2000000 2100000 each\n",
           reuseport ? "SO_REUSEPORT, a socket per child" : "one shared socket");
    printf("    answered by:");
    for (int i = 0; i < CLIENTS; i++) {
        ask(fd[i], "", reply, sizeof reply); /* the count */
        ask(fd[i], "PID\n", reply, sizeof reply);
        printf(" %s", reply);
        close(fd[i]);
    }
    printf("\n");

    // [snippet shutdown]
    for (int k = 0; k < CHILDREN; k++)
        kill(pid[k], SIGTERM);
    for (int k = 0; k < CHILDREN; k++) {
        int status;
        waitpid(pid[k], &status, 0); /* no zombies */
        printf("    child %d (pid %d) served %ld requests and exited with %d\n", k + 1,
               (int)pid[k], served[k], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    // [end shutdown]
}

int main(void)
{
    long *served = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                        -1, 0);
    printf("prefork: %d children, each with its own event loop\n", CHILDREN);
    run(0, served);
    run(1, served);
    return 0;
}
