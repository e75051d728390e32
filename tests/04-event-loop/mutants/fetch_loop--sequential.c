/* Mutant of exercise 4.3: a blocking client.  It sends one request, waits
 * for its reply, then sends the next: every reply is right, and n
 * requests take n delays.
 * must fail: timing/n_requests_take_n_over_max_open_delays, timing/a_thousand_requests */
#include "fetch_loop.h"

#include "slow_server.h"

int fetch_loop(int port, const char *const lines[],
               char replies[][FETCH_REPLY_MAX], int n, int max_open)
{
    (void)max_open;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        replies[i][0] = '\0';
        ok += slow_request(port, lines[i], replies[i], FETCH_REPLY_MAX) == 0;
    }
    return ok;
}
