/* Exercise 4.3: see fetch_loop.h for the contract, chapter 4 for the idea
 * (bench_c10k.c sends requests with a state machine; yours adds a cap).
 * Check your work with: make check EX=04-event-loop/fetch_loop */
#include "fetch_loop.h"

#include "evloop.h"
#include "todo.h"

int fetch_loop(int port, const char *const lines[],
               char replies[][FETCH_REPLY_MAX], int n, int max_open)
{
    (void)port, (void)lines, (void)replies, (void)n, (void)max_open;
    TODO("start max_open requests, and a new one each time one finishes");
}
