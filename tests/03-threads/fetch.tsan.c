/* ThreadSanitizer driver for exercise 3.2: 30 requests on 4 threads to a
 * fast slow server, replies checked. */
#include "fetch.h"

#include <stdio.h>
#include <string.h>

enum { N = 30 };

int main(void)
{
    static char buf[N][32], replies[N][SLOW_MAX_LINE];
    const char *lines[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], sizeof buf[i], "line %d", i);
        lines[i] = buf[i];
    }
    struct slow_server s;
    if (slow_server_start(&s, 2) != 0) {
        printf("could not start the slow server\n");
        return 1;
    }
    int failed = fetch_all(s.port, lines, N, replies, 4);
    slow_server_stop(&s);
    for (int i = 0; i < N; i++)
        if (strcmp(replies[i], lines[i]) != 0) {
            printf("replies[%d] is \"%s\", not \"%s\"\n", i, replies[i], lines[i]);
            return 1;
        }
    return failed != 0;
}
