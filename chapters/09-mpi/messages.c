/* messages.c: point-to-point messages, the MPI version of a pipe.
 *
 * Rank 0 hands each other rank a range of numbers with MPI_Send; each
 * counts the primes in it and sends the count back.  Rank 0 takes the
 * answers in the order they arrive (MPI_ANY_SOURCE) and learns from the
 * status who sent each one.  A message has a type and a length, so
 * there is no partial read to loop over, as there is with a pipe.
 * Last, each worker sends a note of a length only it knows, and rank 0
 * sizes its buffer with MPI_Probe and MPI_Get_count before receiving. */
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { TAG_RANGE = 1, TAG_COUNT = 2, TAG_NOTE = 3 };

// [snippet worker]
static void worker(void)
{
    uint64_t range[2];
    MPI_Recv(range, 2, MPI_UINT64_T, 0, TAG_RANGE, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);              /* blocks until it arrives */
    long count = count_primes(range[0], range[1]);
    MPI_Send(&count, 1, MPI_LONG, 0, TAG_COUNT, MPI_COMM_WORLD);
    char note[128]; /* a message whose length the receiver cannot know */
    int len = snprintf(note, sizeof note, "counted [%llu, %llu)",
                       (unsigned long long)range[0], (unsigned long long)range[1]);
    MPI_Send(note, len, MPI_CHAR, 0, TAG_NOTE, MPI_COMM_WORLD);
}
// [end worker]

// [snippet probe]
/* Probe first: the status of a message not yet received tells its sender
 * and its size, so the buffer can be made to fit. */
static void read_notes(int size)
{
    int waiting = 0; /* MPI_Iprobe asks the same without waiting */
    MPI_Iprobe(MPI_ANY_SOURCE, TAG_NOTE, MPI_COMM_WORLD, &waiting, MPI_STATUS_IGNORE);
    printf("a note %s waiting\n", waiting ? "was already" : "was not yet");
    for (int k = 1; k < size; k++) {
        MPI_Status st;
        int len;
        MPI_Probe(MPI_ANY_SOURCE, TAG_NOTE, MPI_COMM_WORLD, &st); /* receives nothing */
        MPI_Get_count(&st, MPI_CHAR, &len);                        /* its size */
        char *note = malloc((size_t)len + 1);
        if (!note)
            MPI_Abort(MPI_COMM_WORLD, 1);
        /* Same sender and tag as probed: this receive gets that message. */
        MPI_Recv(note, len, MPI_CHAR, st.MPI_SOURCE, TAG_NOTE, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        note[len] = '\0';
        printf("rank %d noted: %s\n", st.MPI_SOURCE, note);
        free(note);
    }
}
// [end probe]

// [snippet boss]
static void boss(int size, uint64_t n)
{
    for (int r = 1; r < size; r++) { /* rank r gets the r-th slice */
        uint64_t range[2] = { n * (r - 1) / (size - 1), n * r / (size - 1) };
        MPI_Send(range, 2, MPI_UINT64_T, r, TAG_RANGE, MPI_COMM_WORLD);
    }
    long total = 0;
    for (int answers = 1; answers < size; answers++) {
        long count;
        MPI_Status st; /* who sent it, and with which tag */
        MPI_Recv(&count, 1, MPI_LONG, MPI_ANY_SOURCE, TAG_COUNT,
                 MPI_COMM_WORLD, &st);
        printf("rank %d answered: %ld primes\n", st.MPI_SOURCE, count);
        total += count;
    }
    printf("%ld primes below %llu\n", total, (unsigned long long)n);
}
// [end boss]

int main(int argc, char **argv)
{
    relaunch_under_mpirun(argv, 3);
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    uint64_t n = quick_mode() ? 200000 : 2000000;
    if (size < 2) {
        if (rank == 0)
            printf("%ld primes below %llu (one rank: no one to talk to)\n",
                   count_primes(0, n), (unsigned long long)n);
    } else if (rank == 0) {
        boss(size, n);
        read_notes(size);
    } else {
        worker();
    }
    MPI_Finalize();
    return 0;
}
