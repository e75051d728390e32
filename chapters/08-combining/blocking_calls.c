/* blocking_calls.c: a loop that never blocks, and a pool that does.
 *
 * Some calls have no non-blocking form: getaddrinfo() may read files and
 * ask a DNS server (here it only reads /etc/hosts: the book stays on
 * this machine), read() on a regular file waits for the disk however
 * the descriptor is set, and a library may block wherever it likes.  The
 * loop hands them to a pool of four threads (loop_pool.h); each result
 * comes back through the pool's eventfd and is handled on the loop
 * thread.  Meanwhile a 10 ms timer keeps ticking, and the demo reports how
 * late it ever was: a loop that made these calls itself would have
 * stalled for the slowest of them. */
#define _GNU_SOURCE
#include "loop_pool.h"
#include "timing.h"

#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum kind { LOOKUP, READ_FILE, SLOW_DISK };

// [snippet job]
struct call {
    struct lp_job job;      /* first: the pool sees only this */
    enum kind kind;
    const char *arg;        /* a host name or a file name */
    /* results, written on the pool thread, read on the loop thread */
    int worker;
    long bytes;             /* READ_FILE */
    char addr[64];          /* LOOKUP */
    double took_ms;
};

static void do_call(struct lp_job *job, int worker) /* on a pool thread */
{
    struct call *c = (struct call *)job;
    double t0 = now_s();
    c->worker = worker;
    if (c->kind == LOOKUP) {
        struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res;
        int rc = getaddrinfo(c->arg, "80", &hints, &res); /* may block */
        if (rc == 0) {
            getnameinfo(res->ai_addr, res->ai_addrlen, c->addr, sizeof c->addr,
                        NULL, 0, NI_NUMERICHOST);
            freeaddrinfo(res);
        } else {
            snprintf(c->addr, sizeof c->addr, "%s", gai_strerror(rc));
        }
    } else {
        int fd = open(c->arg, O_RDONLY | O_CLOEXEC);
        char buf[65536];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0) /* may block */
            c->bytes += n;
        if (fd >= 0)
            close(fd);
        if (c->kind == SLOW_DISK) /* a disk that takes 200 ms to answer */
            nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
    }
    c->took_ms = (now_s() - t0) * 1e3;
}
// [end job]

static double t_start;
static int left;

// [snippet done]
static void call_done(struct lp_job *job) /* back on the loop thread */
{
    struct call *c = (struct call *)job;
    printf("  %6.1f ms  %-9s %-26s on thread %d, took %6.2f ms: ",
           (now_s() - t_start) * 1e3, c->kind == LOOKUP ? "lookup" : "read",
           c->arg, c->worker, c->took_ms);
    if (c->kind == LOOKUP)
        printf("%s\n", c->addr);
    else
        printf("%ld bytes\n", c->bytes);
    left--;
}
// [end done]

struct ticker {
    struct el_timer t;
    struct lp_pool *pool;
    double due, worst;
    long ticks;
};

static void tick(struct el_loop *loop, struct el_timer *t, void *data)
{
    struct ticker *k = data;
    double late = el_now() - k->due;
    k->worst = late > k->worst ? late : k->worst;
    k->ticks++;
    k->due = el_now() + 10;
    if (left == 0) {
        el_timer_stop(loop, t);
        el_stop(loop);
    }
}

int main(void)
{
    char path[] = "/tmp/blocking_calls.XXXXXX";
    int fd = mkstemp(path);
    static char mb[1 << 20];
    memset(mb, 'x', sizeof mb);
    if (fd < 0 || write(fd, mb, sizeof mb) != (ssize_t)sizeof mb) {
        perror("temporary file");
        return 1;
    }
    close(fd);
    struct call calls[] = {
        { .kind = LOOKUP, .arg = "localhost" },
        { .kind = READ_FILE, .arg = path },
        { .kind = SLOW_DISK, .arg = path },
        { .kind = READ_FILE, .arg = "/proc/self/status" },
        { .kind = LOOKUP, .arg = "127.0.0.1" },
    };
    int n = (int)(sizeof calls / sizeof calls[0]);
    struct el_loop *loop = el_loop_new();
    struct lp_pool pool;
    if (!loop || lp_start(&pool, loop, 4, 0) != 0) {
        perror("loop or pool");
        return 1;
    }
    t_start = now_s();
    left = n;
    for (int i = 0; i < n; i++) {
        calls[i].job.work = do_call;
        calls[i].job.done = call_done;
        lp_submit(&pool, &calls[i].job);
    }
    struct ticker k = { .due = el_now() + 10 };
    el_timer_start(loop, &k.t, 10, 10, tick, &k);
    printf("%d blocking calls on a pool of 4 threads; the loop ticks every 10 ms:\n", n);
    el_run(loop);
    printf("the loop ticked %ld times meanwhile, never more than %.1f ms late\n",
           k.ticks, k.worst);
    lp_stop(&pool);
    el_loop_free(loop);
    unlink(path);
    return 0;
}
