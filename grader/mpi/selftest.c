/* selftest.c: an MPI program that misbehaves on request, for the
 * grader's own tests of grader/mpijob.c (grader/tests/mpijob.c).
 *   ok | deadlock | early-deadlock | spin | todo | crash | leftover | mpi-init | leak
 *   clear ROUNDS | unclear ROUNDS: two rounds of a speedup job's figures
 *   (harness.h), then a clean end, as a job that stopped early would */
#define _GNU_SOURCE
#include "harness.h"
#include "todo.h"

#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A send with no matching receive: rank 1 sends with tag 8, rank 0
 * waits for tag 7, then rank 1 waits for an answer. */
static void deadlock(int rank)
{
    long x = 0;
    if (rank == 0) {
        MPI_Recv(&x, 1, MPI_LONG, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&x, 1, MPI_LONG, 1, 7, MPI_COMM_WORLD);
    } else if (rank == 1) {
        MPI_Send(&x, 1, MPI_LONG, 0, 8, MPI_COMM_WORLD);
        MPI_Recv(&x, 1, MPI_LONG, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
}

static volatile unsigned long sink;

/* Kernel 1.0 s on one rank, 0.5 s on two (K = 2); reference 1.0 s; the
 * parallel step `par` s: 0.5 scores 1.0, clear of the 0.75 mark by more
 * than 0.2; 0.6 scores 0.83, not clear. */
static void two_rounds(int rank, double par)
{
    for (int i = 0; i < 2 && rank == 0; i++)
        printf("round 1.0 0.5 1.0 %.1f 1.9 1.9 1 1.0 1.0\n", par);
}

int main(int argc, char **argv)
{
    int rank = grh_init(&argc, &argv);
    const char *mode = argc > 1 ? argv[1] : "ok";
    grh_phase("in %s", mode);
    long x = 1;
    if (strstr(mode, "deadlock")) /* "early-deadlock" too */
        deadlock(rank);
    else if (strcmp(mode, "spin") == 0 && rank == 0)
        for (;;)
            sink++;
    else if (strcmp(mode, "todo") == 0)
        TODO("nothing yet");
    else if (strcmp(mode, "crash") == 0 && rank == 1)
        raise(SIGSEGV);
    else if (strcmp(mode, "leftover") == 0 && rank == 1)
        MPI_Send(&x, 1, MPI_LONG, 0, 5, MPI_COMM_WORLD);
    else if (strcmp(mode, "mpi-init") == 0)
        MPI_Init(&argc, &argv);
    else if (strcmp(mode, "leak") == 0 && rank == 0)
        sink += (unsigned long)malloc(100) & 1;
    else if (strcmp(mode, "clear") == 0 || strcmp(mode, "unclear") == 0)
        two_rounds(rank, strcmp(mode, "clear") == 0 ? 0.5 : 0.6);
    grh_settle(mode);
    if (rank == 0)
        printf("ok %s %d\n", mode, grh_size());
    grh_finish();
}
