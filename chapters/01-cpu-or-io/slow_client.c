/* slow_client.c: start the slow server, ask it three things, stop it.
 * Every chapter that needs slow I/O starts its own server this way: on
 * 127.0.0.1, on a port the kernel picks, stopped by whoever started it. */
#include "slow_server.h"
#include "timing.h"

#include <stdio.h>

int main(void)
{
    // [snippet session]
    struct slow_server server;
    if (slow_server_start(&server, 100 /* ms per request */) != 0) {
        perror("slow_server_start");
        return 1;
    }
    for (int i = 1; i <= 3; i++) {
        char line[32], reply[64];
        snprintf(line, sizeof line, "request %d", i);
        double start = now_s();
        if (slow_request(server.port, line, reply, sizeof reply) != 0) {
            perror("slow_request");
            break;
        }
        printf("sent \"%s\", got \"%s\" after %.0f ms\n", line, reply,
               (now_s() - start) * 1000);
    }
    slow_server_stop(&server);
    // [end session]
    return 0;
}
