/* slow_server.c: one thread, epoll and a timerfd.
 *
 * Every request waits the same delay, so replies fall due in the order the
 * requests arrived: a plain FIFO is the timer queue, and the timerfd is
 * armed for its head.  (Chapter 4 builds a general timer heap; this server
 * does not need one.) */
#define _GNU_SOURCE
#include "slow_server.h"

#include "io.h"
#include "net.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct conn {
    unsigned gen;  /* bumped when the fd closes: stale replies are dropped */
    int open, eof;
    int pending;   /* replies queued but not yet due */
    size_t inlen;
    char in[SLOW_MAX_LINE];
    char *out;     /* bytes the socket would not take yet */
    size_t outlen, outcap;
};

struct reply {
    struct reply *next;
    int fd;
    unsigned gen;
    struct timespec due;
    size_t len;
    char line[];
};

struct server {
    int ep, lfd, tfd;
    int paused;          /* listener unwatched: out of descriptors */
    struct timespec delay;
    struct conn **conns; /* indexed by fd */
    size_t nconns;
    struct reply *head, *tail;
};

static struct conn *conn_of(struct server *s, int fd)
{
    if ((size_t)fd >= s->nconns) {
        size_t n = s->nconns ? s->nconns : 1024;
        while (n <= (size_t)fd)
            n *= 2;
        struct conn **c = realloc(s->conns, n * sizeof *c);
        if (!c)
            return NULL;
        memset(c + s->nconns, 0, (n - s->nconns) * sizeof *c);
        s->conns = c;
        s->nconns = n;
    }
    if (!s->conns[fd])
        s->conns[fd] = calloc(1, sizeof(struct conn));
    return s->conns[fd];
}

static void watch(struct server *s, int fd, int op, unsigned events)
{
    struct epoll_event ev = { .events = events, .data.fd = fd };
    epoll_ctl(s->ep, op, fd, &ev);
}

static void conn_close(struct server *s, int fd)
{
    struct conn *c = s->conns[fd];
    epoll_ctl(s->ep, EPOLL_CTL_DEL, fd, NULL); /* before close: see evloop.c */
    close(fd);
    c->gen++;
    c->open = c->eof = c->pending = 0;
    c->inlen = c->outlen = 0;
    if (s->paused) { /* a descriptor is free: accept again */
        s->paused = 0;
        watch(s, s->lfd, EPOLL_CTL_ADD, EPOLLIN);
    }
}

/* Send what we can; keep the rest and ask for EPOLLOUT (backpressure). */
static void conn_flush(struct server *s, int fd)
{
    struct conn *c = s->conns[fd];
    size_t done = 0;
    while (done < c->outlen) {
        ssize_t w = send(fd, c->out + done, c->outlen - done, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w < 0) {
            conn_close(s, fd);
            return;
        }
        done += (size_t)w;
    }
    memmove(c->out, c->out + done, c->outlen - done);
    c->outlen -= done;
    unsigned want = EPOLLIN | (c->outlen ? EPOLLOUT : 0);
    watch(s, fd, EPOLL_CTL_MOD, want);
    if (c->eof && !c->pending && !c->outlen)
        conn_close(s, fd);
}

static int conn_queue_out(struct conn *c, const char *p, size_t n)
{
    if (c->outlen + n > c->outcap) {
        size_t cap = c->outcap ? c->outcap * 2 : 4096;
        while (cap < c->outlen + n)
            cap *= 2;
        char *o = realloc(c->out, cap);
        if (!o)
            return -1;
        c->out = o;
        c->outcap = cap;
    }
    memcpy(c->out + c->outlen, p, n);
    c->outlen += n;
    return 0;
}

static void arm_timer(struct server *s)
{
    struct itimerspec its = { 0 };
    if (s->head)
        its.it_value = s->head->due;
    timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void queue_reply(struct server *s, int fd, const char *line, size_t n)
{
    struct reply *r = malloc(sizeof *r + n);
    if (!r)
        return;
    clock_gettime(CLOCK_MONOTONIC, &r->due);
    r->due.tv_sec += s->delay.tv_sec;
    r->due.tv_nsec += s->delay.tv_nsec;
    if (r->due.tv_nsec >= 1000000000L) {
        r->due.tv_sec++;
        r->due.tv_nsec -= 1000000000L;
    }
    r->next = NULL;
    r->fd = fd;
    r->gen = s->conns[fd]->gen;
    r->len = n;
    memcpy(r->line, line, n);
    s->conns[fd]->pending++;
    if (s->tail)
        s->tail->next = r;
    else
        s->head = r;
    s->tail = r;
    if (s->head == r)
        arm_timer(s);
}

static int before_or_at(struct timespec a, struct timespec b)
{
    return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec <= b.tv_nsec);
}

static void send_due(struct server *s)
{
    uint64_t ticks;
    if (read(s->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    while (s->head && before_or_at(s->head->due, now)) {
        struct reply *r = s->head;
        s->head = r->next;
        if (!s->head)
            s->tail = NULL;
        struct conn *c = s->conns[r->fd];
        if (c->open && c->gen == r->gen) {
            c->pending--;
            if (conn_queue_out(c, r->line, r->len) == 0)
                conn_flush(s, r->fd);
        }
        free(r);
    }
    arm_timer(s);
}

static void on_readable(struct server *s, int fd)
{
    struct conn *c = s->conns[fd];
    for (;;) {
        ssize_t r = read(fd, c->in + c->inlen, sizeof c->in - c->inlen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) { /* end of file (or reset): answer what is queued */
            c->eof = 1;
            if (r < 0 || (!c->pending && !c->outlen))
                conn_close(s, fd);
            else
                watch(s, fd, EPOLL_CTL_MOD, c->outlen ? EPOLLOUT : 0);
            return;
        }
        c->inlen += (size_t)r;
        char *start = c->in, *nl;
        while ((nl = memchr(start, '\n', c->inlen - (size_t)(start - c->in)))) {
            queue_reply(s, fd, start, (size_t)(nl - start) + 1);
            start = nl + 1;
        }
        c->inlen -= (size_t)(start - c->in);
        memmove(c->in, start, c->inlen);
        if (c->inlen == sizeof c->in) {
            static const char err[] = "ERR line too long\n";
            send(fd, err, sizeof err - 1, MSG_NOSIGNAL);
            conn_close(s, fd);
            return;
        }
    }
}

static void accept_all(struct server *s)
{
    for (;;) {
        int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
            /* Out of descriptors: the connection stays queued and the
             * level-triggered listener stays readable, so watching it
             * would spin.  Stop until conn_close() frees one. */
            epoll_ctl(s->ep, EPOLL_CTL_DEL, s->lfd, NULL);
            s->paused = 1;
            return;
        }
        if (fd < 0)
            return; /* EAGAIN: drained; anything else: on the next event */
        struct conn *c = conn_of(s, fd);
        if (!c) {
            close(fd);
            continue;
        }
        c->open = 1;
        watch(s, fd, EPOLL_CTL_ADD, EPOLLIN);
    }
}

int slow_server_serve(int listen_fd, double delay_ms)
{
    struct server s = { .lfd = listen_fd };
    long ns = (long)(delay_ms * 1e6);
    s.delay = (struct timespec){ ns / 1000000000L, ns % 1000000000L };
    raise_fd_limit(1L << 20);
    s.ep = epoll_create1(EPOLL_CLOEXEC);
    s.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (s.ep < 0 || s.tfd < 0 || set_nonblocking(listen_fd) < 0)
        return -1;
    watch(&s, listen_fd, EPOLL_CTL_ADD, EPOLLIN);
    watch(&s, s.tfd, EPOLL_CTL_ADD, EPOLLIN);
    struct epoll_event ev[256];
    for (;;) {
        int n = epoll_wait(s.ep, ev, 256, -1);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; i < n; i++) {
            int fd = ev[i].data.fd;
            if (fd == listen_fd)
                accept_all(&s);
            else if (fd == s.tfd)
                send_due(&s);
            else if (s.conns[fd] && s.conns[fd]->open) {
                if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    on_readable(&s, fd);
                if (s.conns[fd]->open && (ev[i].events & EPOLLOUT))
                    conn_flush(&s, fd);
            }
        }
    }
}

int slow_server_start(struct slow_server *s, double delay_ms)
{
    int port = 0, ready[2];
    int lfd = tcp_listen_loopback(&port);
    if (lfd < 0 || pipe(ready) < 0)
        return -1;
    fflush(NULL); /* or the child would print our buffered output again */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        close(ready[0]);
        close(ready[1]); /* the parent's read returns: we are serving */
        slow_server_serve(lfd, delay_ms);
        _exit(1);
    }
    close(ready[1]);
    char byte;
    (void)!read(ready[0], &byte, 1);
    close(ready[0]);
    close(lfd); /* the child owns the listening socket now */
    s->pid = pid;
    s->port = port;
    return 0;
}

void slow_server_stop(struct slow_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

int slow_request(int port, const char *line, char *reply, size_t n)
{
    int fd = tcp_connect_loopback(port);
    if (fd < 0)
        return -1;
    char buf[SLOW_MAX_LINE + 1];
    int len = snprintf(buf, sizeof buf, "%s\n", line);
    int rc = -1;
    if (len > 0 && len < (int)sizeof buf &&
        write_full(fd, buf, (size_t)len) == len) {
        size_t got = 0;
        char ch;
        ssize_t r;
        /* Read up to the newline; the reply is at most one line. */
        while (got + 1 < n && ((r = read(fd, &ch, 1)) == 1 || (r < 0 && errno == EINTR))) {
            if (r < 0)
                continue;
            if (ch == '\n') {
                rc = 0;
                break;
            }
            reply[got++] = ch;
        }
        if (n)
            reply[got] = '\0';
    }
    close(fd);
    return rc;
}
