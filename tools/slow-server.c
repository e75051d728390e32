/* slow-server: the book's I/O-bound workload as a standalone program.
 *   build/bin/slow-server [--delay-ms D] [--port P]
 * Serves on 127.0.0.1 until interrupted (Ctrl-C). */
#include "net.h"
#include "slow_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    double delay = 100;
    int port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--delay-ms") == 0)
            delay = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: %s [--delay-ms D] [--port P]\n", argv[0]);
            return 2;
        }
    }
    int fd = tcp_listen_loopback(&port);
    if (fd < 0) {
        perror("slow-server: listen");
        return 1;
    }
    printf("slow-server: listening on 127.0.0.1:%d, delay %g ms\n", port, delay);
    fflush(stdout);
    slow_server_serve(fd, delay);
    perror("slow-server");
    return 1;
}
