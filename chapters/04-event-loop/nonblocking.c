/* nonblocking.c: the same read() on a blocking and a non-blocking socket.
 *
 * A request goes to the slow server, and we read the reply at once.  On a
 * blocking socket read() puts the thread to sleep until the reply comes:
 * the thread can do nothing else meanwhile, which is why a blocking
 * server needs a thread per connection.  On a non-blocking socket read()
 * returns at once with EAGAIN ("nothing yet, try later"), and the thread
 * is free; poll() then tells it when trying again will work. */
#define _GNU_SOURCE
#include "net.h"
#include "slow_server.h"
#include "timing.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int ask(int port)
{
    int fd = tcp_connect_loopback(port);
    if (fd >= 0 && write(fd, "hello\n", 6) == 6)
        return fd;
    perror("slow server");
    if (fd >= 0)
        close(fd);
    return -1;
}

int main(void)
{
    struct slow_server server;
    if (slow_server_start(&server, 200) != 0) {
        perror("slow_server_start");
        return 1;
    }
    char buf[64];

    // [snippet blocking]
    int fd = ask(server.port);
    if (fd < 0)
        return 1;
    double t0 = now_s();
    ssize_t n = read(fd, buf, sizeof buf); /* sleeps until the reply is here */
    printf("blocking read():     %zd bytes after %5.1f ms\n", n, (now_s() - t0) * 1e3);
    close(fd);
    // [end blocking]

    // [snippet nonblocking]
    fd = ask(server.port);
    if (fd < 0 || set_nonblocking(fd) != 0)
        return 1;
    t0 = now_s();
    n = read(fd, buf, sizeof buf); /* returns at once */
    printf("non-blocking read(): %zd (%s) after %5.3f ms\n", n,
           n < 0 && errno == EAGAIN ? "EAGAIN" : "?", (now_s() - t0) * 1e3);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int ready = poll(&p, 1, -1); /* the thread could wait on many fds here */
    n = read(fd, buf, sizeof buf);
    printf("after poll() said %d ready: %zd bytes after %5.1f ms\n", ready, n,
           (now_s() - t0) * 1e3);
    close(fd);
    // [end nonblocking]

    slow_server_stop(&server);
    return n == 6 ? 0 : 1;
}
