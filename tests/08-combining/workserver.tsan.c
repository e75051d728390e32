/* ThreadSanitizer driver for exercise 8.2: the server on a thread; three
 * clients ask for counts at once (more than the two workers), one leaves
 * during its count, PINGs go on meanwhile; then a stop while six counts
 * are in flight on two workers, some running and some queued, two of
 * whose clients leave just before it: a count coming back while its
 * client leaves, and while the stop drops the queue and joins the
 * workers. */
#define _GNU_SOURCE
#include "clients.h"
#include "workserver.h"

#include <pthread.h>

struct server_thread {
    int lfd, stop_r, rc;
};

static void *run_server(void *arg)
{
    struct server_thread *t = arg;
    t->rc = work_serve(t->lfd, t->stop_r, 2);
    return NULL;
}

static int check(int fd, const char *req, const char *want)
{
    char got[64];
    cl_ask(fd, req, got, sizeof got);
    if (strcmp(got, want) != 0) {
        printf("the request '%.*s' got '%s', not '%s'\n", (int)strcspn(req, "\n"), req,
               shown(got), want);
        return 1;
    }
    return 0;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    int port = 0, sv[2];
    struct server_thread t = { .lfd = tcp_listen_loopback(&port) };
    if (t.lfd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 1;
    t.stop_r = sv[0];
    pthread_t tid;
    pthread_create(&tid, NULL, run_server, &t);
    int bad = 0, fd[4];
    for (int i = 0; i < 4; i++)
        fd[i] = tcp_connect_loopback(port);
    bad |= check(fd[3], "PING\n", "PONG");
    cl_send(fd[0], "PRIMES 0 200000\n");
    cl_send(fd[1], "PRIMES 0 300000\n");
    cl_send(fd[2], "PRIMES 0 400000\n");
    cl_reset(fd[1]); /* leaves during its count */
    bad |= check(fd[3], "PING\n", "PONG");
    char got[64];
    cl_line(fd[0], got, sizeof got, 10);
    bad |= strcmp(got, "17984") != 0;
    cl_line(fd[2], got, sizeof got, 10);
    bad |= strcmp(got, "33860") != 0;
    cl_send(fd[3], "PRIMES 0 2000000\n"); /* still running at the stop */
    int more[5];
    for (int i = 0; i < 5; i++) { /* with fd[3]: 6 counts on 2 workers */
        more[i] = tcp_connect_loopback(port);
        bad |= check(more[i], "PING\n", "PONG");
        cl_send(more[i], "PRIMES 0 300000\n");
    }
    usleep(20000);
    cl_reset(more[3]); /* two leave while their counts run or wait */
    close(more[4]);
    (void)!send(sv[1], "x", 1, MSG_NOSIGNAL);
    pthread_join(tid, NULL);
    for (int i = 0; i < 4; i++)
        if (i != 1)
            close(fd[i]);
    for (int i = 0; i < 3; i++)
        close(more[i]);
    close(t.lfd);
    close(sv[0]);
    close(sv[1]);
    if (t.rc != 0)
        printf("work_serve() returned %d after a stop\n", t.rc);
    if (bad && t.rc == 0)
        printf("a reply was wrong or missing\n");
    return bad || t.rc != 0;
}
