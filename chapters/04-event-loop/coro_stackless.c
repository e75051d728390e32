/* coro_stackless.c: requests to the slow server written as stackless
 * coroutines on lib/evloop: the C analogue of
 *
 *     async def fetch(i):
 *         reader, writer = await asyncio.open_connection(host, port)
 *         writer.write(line); await writer.drain()
 *         return await reader.readline()
 *
 * Each request reads top to bottom like blocking code, yet one thread runs
 * them all: AWAIT_FD() registers the descriptor with the loop and
 * returns; the loop calls the coroutine again when the descriptor is
 * ready, and the switch in CO_BEGIN jumps back to where it left off.
 * Everything that must survive a wait lives in struct fetch: that struct,
 * a few dozen bytes, is the coroutine's whole memory. */
#define _GNU_SOURCE
#include "coro.h"
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
#include <unistd.h>

static int port, unfinished;

// [snippet fetch_state]
struct fetch {
    int pc;          /* the coroutine's position: a line number */
    int fd, ok;
    size_t done;     /* bytes sent, then bytes received */
    size_t len;
    char line[24], reply[24];
};

static void resume(struct el_loop *loop, int fd, unsigned events, void *data);

/* Wait until fd is ready: tell the loop whom to call, then yield. */
#define AWAIT_FD(loop, f, events)                                          \
    do {                                                                    \
        el_watch((loop), (f)->fd, (events), resume, (f));                  \
        CO_YIELD(&(f)->pc, 0);                                              \
    } while (0)
// [end fetch_state]

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

// [snippet fetch]
/* One request, as a coroutine.  Returns 0 when it yields, 1 when done. */
static int fetch(struct el_loop *loop, struct fetch *f)
{
    CO_BEGIN(&f->pc);
    f->fd = connect_start(port);
    if (f->fd < 0)
        return f->pc = -1, 1;
    AWAIT_FD(loop, f, EL_WRITE); /* connected, or failed: send() will say */
    while (f->done < f->len) {
        ssize_t n = send(f->fd, f->line + f->done, f->len - f->done, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN)
            break;
        if (n > 0)
            f->done += (size_t)n;
        else
            AWAIT_FD(loop, f, EL_WRITE);
    }
    f->done = 0;
    while (!memchr(f->reply, '\n', f->done) && f->done < sizeof f->reply) {
        AWAIT_FD(loop, f, EL_READ);
        ssize_t n = read(f->fd, f->reply + f->done, sizeof f->reply - f->done);
        if (n == 0 || (n < 0 && errno != EAGAIN))
            break;
        if (n > 0)
            f->done += (size_t)n;
    }
    f->ok = f->done == f->len && memcmp(f->reply, f->line, f->len) == 0;
    el_unwatch(loop, f->fd);
    close(f->fd);
    CO_END(&f->pc, 1);
}
// [end fetch]

// [snippet resume]
/* The loop's side: a ready descriptor means "carry on". */
static void resume(struct el_loop *loop, int fd, unsigned events, void *data)
{
    (void)fd, (void)events;
    if (fetch(loop, data) && --unfinished == 0)
        el_stop(loop);
}
// [end resume]

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
    struct el_loop *loop = el_loop_new();
    struct fetch *f = calloc((size_t)n, sizeof *f);
    double t0 = now_s();
    for (int i = 0; i < n; i++) {
        f[i].len = (size_t)snprintf(f[i].line, sizeof f[i].line, "fetch %d\n", i);
        unfinished++;
        if (fetch(loop, &f[i])) /* runs up to its first AWAIT_FD */
            unfinished--;
    }
    if (unfinished)
        el_run(loop);
    double took = now_s() - t0;
    int ok = 0;
    for (int i = 0; i < n; i++)
        ok += f[i].ok;
    printf("%d of %d stackless coroutines got their reply; %d requests of %.0f ms "
           "took %.0f ms on one thread; each coroutine's state: %zu bytes\n",
           ok, n, n, delay_ms, took * 1e3, sizeof *f);
    free(f);
    el_loop_free(loop);
    slow_server_stop(&server);
    return ok == n ? 0 : 1;
}
