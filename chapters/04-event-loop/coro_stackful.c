/* coro_stackful.c: the same requests as coro_stackless.c, written as
 * stackful coroutines with ucontext.
 *
 * Each task gets a stack of its own, so it can wait anywhere: inside a
 * helper, three calls deep, with local variables intact.  await_fd()
 * saves the task's registers and switches to the loop (swapcontext); the
 * loop switches back when the descriptor is ready.  The code reads exactly
 * like blocking code (compare read_line() with a blocking version), and
 * that is what Lua's coroutines and C++ fibers offer (Go's goroutines
 * too, but Go also preempts them and runs them on several threads).
 * The price is the stack: its size is fixed when the task starts, so it is
 * a guess (64 KiB here), and it must be paid per task even while the task
 * only waits. */
#define _GNU_SOURCE
#include "evloop.h"
#include "slow_server.h"
#include "timing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

// [snippet task]
struct task {
    ucontext_t ctx;       /* the task's registers while it waits */
    char *stack;
    int done, ok, id;
};

static struct el_loop *loop;
static ucontext_t loop_ctx;   /* the loop's registers while a task runs */
static struct task *current;  /* the task running now, if any */

static void resume(struct el_loop *l, int fd, unsigned events, void *data)
{
    (void)l, (void)fd, (void)events;
    struct task *t = data;
    current = t;
    swapcontext(&loop_ctx, &t->ctx); /* run the task until it waits again */
    current = NULL;
}

/* Called by a task: wait until fd is ready, letting the loop run others. */
static void await_fd(int fd, unsigned events)
{
    struct task *t = current;
    el_watch(loop, fd, events, resume, t);
    swapcontext(&t->ctx, &loop_ctx); /* back to the loop; returns when resumed */
}
// [end task]

static int connect_start(int to_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)to_port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

static int port, unfinished;

// [snippet body]
/* Ordinary-looking helpers that may wait: only possible with a stack. */
static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN)
            return -1;
        if (w < 0) {
            await_fd(fd, EL_WRITE);
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static ssize_t read_line(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap && !memchr(buf, '\n', got)) {
        await_fd(fd, EL_READ);
        ssize_t r = read(fd, buf + got, cap - got);
        if (r == 0 || (r < 0 && errno != EAGAIN))
            return -1;
        got += r > 0 ? (size_t)r : 0;
    }
    return (ssize_t)got;
}

static void fetch(struct task *t)
{
    char line[24], reply[24]; /* locals survive every wait */
    int len = snprintf(line, sizeof line, "fetch %d\n", t->id);
    int fd = connect_start(port);
    if (fd < 0)
        return;
    await_fd(fd, EL_WRITE);
    if (write_all(fd, line, (size_t)len) == 0)
        t->ok = read_line(fd, reply, sizeof reply) == len && memcmp(reply, line, (size_t)len) == 0;
    el_unwatch(loop, fd);
    close(fd);
}
// [end body]

// [snippet spawn]
static void task_main(void)
{
    struct task *t = current;
    fetch(t);
    t->done = 1;
    if (--unfinished == 0)
        el_stop(loop);
} /* returning follows uc_link: back to the loop, for good */

static int spawn(struct task *t)
{
    t->stack = malloc(STACK_SIZE);
    if (!t->stack || getcontext(&t->ctx) != 0)
        return -1;
    t->ctx.uc_stack = (stack_t){ .ss_sp = t->stack, .ss_size = STACK_SIZE };
    t->ctx.uc_link = &loop_ctx;
    makecontext(&t->ctx, task_main, 0);
    unfinished++;
    current = t;
    swapcontext(&loop_ctx, &t->ctx); /* run it up to its first wait */
    current = NULL;
    return 0;
}
// [end spawn]

int main(void)
{
    int n = quick_mode() ? 200 : 1000;
    double delay_ms = 100;
    struct slow_server server;
    if (slow_server_start(&server, delay_ms) != 0) {
        perror("slow server");
        return 1;
    }
    port = server.port;
    loop = el_loop_new();
    struct task *tasks = calloc((size_t)n, sizeof *tasks);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        tasks[i].id = i;
        if (spawn(&tasks[i]) != 0) {
            perror("spawn");
            return 1;
        }
    }
    if (unfinished)
        el_run(loop);
    double took = now_s() - t0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        ok += tasks[i].ok && tasks[i].done;
        free(tasks[i].stack);
    }
    printf("%d of %d stackful coroutines got their reply; %d requests of %.0f ms "
           "took %.0f ms on one thread; each coroutine: a %d KiB stack and a %zu-byte "
           "context\n", ok, n, n, delay_ms, took * 1e3, STACK_SIZE / 1024, sizeof *tasks);
    free(tasks);
    el_loop_free(loop);
    slow_server_stop(&server);
    return ok == n ? 0 : 1;
}
