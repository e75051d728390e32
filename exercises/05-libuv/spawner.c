/* Exercise 5.1: see spawner.h for the contract, chapter 5 for the idea.
 * Check your work with: make check EX=05-libuv/spawner */
#include "spawner.h"

#include "todo.h"

#include <stdlib.h>
#include <uv.h>

int run_jobs(int n, char **const cmds[], struct job_result results[])
{
    (void)n;
    (void)cmds;
    (void)results;
    TODO("uv_spawn() every command with its stdout on a uv_pipe_t, read the "
         "pipes, and run the loop until every exit and every end of file");
}

void free_job_results(int n, struct job_result results[])
{
    (void)n;
    (void)results;
    TODO("free each result's output");
}
