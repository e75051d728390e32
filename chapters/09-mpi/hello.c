/* hello.c: an MPI job is a set of processes, each with its own memory.
 *
 * mpirun starts N copies of this program; each copy is a rank.  They are
 * not forked from one another: each one is exec'd afresh, as a sibling,
 * so each has its own copy of `mine`, holding its own value, and thanks
 * to address-space randomisation not even at the same address.  Run by
 * hand, the program starts itself as a 4-rank job (see lib/mpirun.c). */
#include "mpirun.h"

#include <mpi.h>
#include <stdio.h>
#include <unistd.h>

static int mine; /* one copy per rank, like a global after fork() */

// [snippet hello]
int main(int argc, char **argv)
{
    relaunch_under_mpirun(argv, 4); /* run by hand: become 4 ranks */
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank); /* who am I: 0 .. size-1 */
    MPI_Comm_size(MPI_COMM_WORLD, &size); /* how many of us */
    mine = 100 + rank;
    MPI_Barrier(MPI_COMM_WORLD); /* everyone has written `mine` */
    printf("rank %d of %d: pid %d, parent %d, mine = %d at %p\n", rank, size,
           (int)getpid(), (int)getppid(), mine, (void *)&mine);
    MPI_Finalize();
    return 0;
}
// [end hello]
