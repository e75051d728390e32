/* Mutant of exercise 4.2: a blocking server.  It accepts one client and
 * serves it with blocking reads until it hangs up, then takes the next:
 * every answer is right, but one client that stops mid-line blocks all
 * the others.
 * must fail: lineserver/many_clients_at_once */
#define _GNU_SOURCE
#include "lineserver.h"

#include "io.h"

#include <ctype.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

static void serve_one(int fd)
{
    char line[LINE_MAX_BYTES];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fd, line + len, 1)) == 1) { /* blocks until a byte comes */
        line[len] = (char)toupper((unsigned char)line[len]);
        if (line[len++] == '\n' || len == sizeof line) {
            if (send(fd, line, len, MSG_NOSIGNAL) < 0)
                break;
            len = 0;
        }
    }
    close(fd);
}

int line_server(int listen_fd, int stop_fd)
{
    struct pollfd p[2] = { { .fd = listen_fd, .events = POLLIN },
                           { .fd = stop_fd, .events = POLLIN } };
    while (poll(p, 2, -1) > 0 && !(p[1].revents & POLLIN)) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd >= 0)
            serve_one(fd);
    }
    return 0;
}
