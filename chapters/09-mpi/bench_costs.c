/* bench_costs.c: what a message costs between two processes on this
 * machine, three ways (plots/09-mpi/costs.dat).
 *
 * A ping-pong: process A sends a message, B sends it back, many times;
 * half a round trip is the one-way latency of a small message (8 bytes),
 * and a 1 MiB message gives the bandwidth.  Chapter 2's two mechanisms,
 * a pipe pair and a shared mapping with a flag, are measured here
 * between a parent and its forked child, placed by the kernel like the
 * ranks (no pinning); MPI between two ranks of an mpirun job
 * (this program, started as "mpi ROUNDS BURSTS").  Each figure is the
 * median of many short bursts of round trips: a burst during which
 * another program took one of the two cores (and a spinning side waited
 * a whole time slice) lands in the tail and does not count.  The last
 * column is the time to start two workers and wait
 * for them: fork() twice, or mpirun -np 2 with a program that only calls
 * MPI_Init and MPI_Finalize; a last row measures only that start, with
 * the messaging layer left for Open MPI to choose. */
#define _GNU_SOURCE
#include "io.h"
#include "mpirun.h"
#include "timing.h"

#include <mpi.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { SMALL = 8, BIG = 1 << 20, BURSTS = 21 };


struct cost2 {
    double latency_us, gb_per_s, start_ms;
};

static int bursts = BURSTS; /* fewer in quick mode */

/* Seconds per round trip of `size` bytes through two pipes: the median of
 * `bursts` bursts of `rounds`, all with one child (a child forked a moment
 * ago may still share its parent's core). */
static double pipe_round_trip(size_t size, int rounds)
{
    int ab[2], ba[2];
    char *buf = calloc(1, size);
    double t[BURSTS];
    if (pipe(ab) || pipe(ba))
        exit(1);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < rounds * (bursts + 1); i++)
            if (read_full(ab[0], buf, size) != (ssize_t)size ||
                write_full(ba[1], buf, size) != (ssize_t)size)
                _exit(1);
        _exit(0);
    }
    for (int b = -1; b < bursts; b++) { /* burst -1 only warms up */
        double t0 = now_s();
        for (int i = 0; i < rounds; i++) {
            write_full(ab[1], buf, size);
            read_full(ba[0], buf, size);
        }
        if (b >= 0)
            t[b] = (now_s() - t0) / rounds;
    }
    waitpid(pid, NULL, 0);
    close(ab[0]), close(ab[1]), close(ba[0]), close(ba[1]);
    free(buf);
    return median(t, bursts);
}

/* The same through a shared mapping: copy the message in and flip a flag;
 * the other side spins on the flag, copies the message out, and answers
 * the same way. */
struct mailbox {
    _Atomic int turn; /* 1: a message for the child, 0: for the parent */
    char pad[60];
    char data[];
};

static void wait_turn(struct mailbox *m, int me)
{
    while (atomic_load_explicit(&m->turn, memory_order_acquire) != me)
        ; /* spin, as an MPI rank polls */
}

static double shm_round_trip(size_t size, int rounds)
{
    struct mailbox *m = mmap(NULL, sizeof *m + size, PROT_READ | PROT_WRITE,
                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char *mine = calloc(1, size);
    double t[BURSTS];
    m->turn = 0;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < rounds * (bursts + 1); i++) {
            wait_turn(m, 1);
            memcpy(mine, m->data, size);
            memcpy(m->data, mine, size);
            atomic_store_explicit(&m->turn, 0, memory_order_release);
        }
        _exit(0);
    }
    for (int b = -1; b < bursts; b++) {
        double t0 = now_s();
        for (int i = 0; i < rounds; i++) {
            memcpy(m->data, mine, size);
            atomic_store_explicit(&m->turn, 1, memory_order_release);
            wait_turn(m, 0);
            memcpy(mine, m->data, size);
        }
        if (b >= 0)
            t[b] = (now_s() - t0) / rounds;
    }
    waitpid(pid, NULL, 0);
    munmap(m, sizeof *m + size);
    free(mine);
    return median(t, bursts);
}

/* Inside the 2-rank job: the same ping-pong with MPI_Send and MPI_Recv. */
// [snippet pingpong]
static double mpi_round_trip(int rank, char *buf, int size, int rounds)
{
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < rounds; i++) {
        if (rank == 0) {
            MPI_Send(buf, size, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, size, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, size, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, size, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - t0) / rounds;
}
// [end pingpong]

static int mpi_job(int argc, char **argv)
{
    int rounds = atoi(argv[2]), rank;
    bursts = atoi(argv[3]);
    bursts = bursts < 1 ? 1 : bursts > BURSTS ? BURSTS : bursts;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char *buf = calloc(1, BIG);
    double small[BURSTS], big[BURSTS];
    for (int i = -1; i < bursts; i++) { /* burst -1 only warms up */
        double a = mpi_round_trip(rank, buf, SMALL, rounds);
        double b = mpi_round_trip(rank, buf, BIG, rounds / 100 + 1);
        if (i >= 0)
            small[i] = a, big[i] = b;
    }
    if (rank == 0)
        printf("%.9f %.9f\n", median(small, bursts), median(big, bursts));
    free(buf);
    MPI_Finalize();
    return 0;
}

static struct cost2 from_round_trips(double small, double big)
{
    return (struct cost2){ small / 2 * 1e6, BIG / (big / 2) / 1e9, 0 };
}

static double fork_two(int reps)
{
    double t[64];
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        for (int i = 0; i < 2; i++)
            if (fork() == 0)
                _exit(0);
        while (wait(NULL) > 0)
            ;
        t[r] = now_s() - t0;
    }
    return median(t, reps);
}

static double mpirun_two(const char *self, int reps)
{
    double t[16];
    char out[64];
    const char *cmd[] = { self, "noop", NULL };
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        if (mpirun_capture(2, cmd, out, sizeof out, 60) != 0)
            exit(1);
        t[r] = now_s() - t0;
    }
    return median(t, reps);
}

static void row(const char *name, struct cost2 c)
{
    printf("%-22s %9.2f %9.2f %9.2f\n", name, c.latency_us, c.gb_per_s, c.start_ms);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "mpi") == 0)
        return mpi_job(argc, argv);
    if (argc == 2 && strcmp(argv[1], "noop") == 0) {
        MPI_Init(&argc, &argv);
        MPI_Finalize();
        return 0;
    }
    static char self[4096], out[256];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 0] = '\0';
    int quick = quick_mode(), rounds = quick ? 100 : 1000;
    bursts = quick ? 3 : BURSTS;
    int big_rounds = rounds / 100 + 1;
    double fork_ms = fork_two(quick ? 10 : 50) * 1e3;
    print_machine(stdout);
    printf("# one-way latency: half the round trip of an %d-byte message; "
           "bandwidth: 1 MiB messages; medians of %d bursts of %d round trips "
           "(%d for 1 MiB); start: two workers started and ended; MPI jobs "
           "started by lib/mpirun.c, which names the messaging layer (--mca "
           "pml ob1), except in the last row\n", SMALL,
           bursts, rounds, big_rounds);
    printf("# columns: mechanism latency_(us) bandwidth_(GB/s) start_2_(ms)\n");

    struct cost2 c = from_round_trips(pipe_round_trip(SMALL, rounds),
                                      pipe_round_trip(BIG, big_rounds));
    c.start_ms = fork_ms;
    row("pipe", c);
    c = from_round_trips(shm_round_trip(SMALL, rounds),
                         shm_round_trip(BIG, big_rounds));
    c.start_ms = fork_ms;
    row("shared_memory", c);

    char nbuf[16], bbuf[16];
    snprintf(nbuf, sizeof nbuf, "%d", rounds);
    snprintf(bbuf, sizeof bbuf, "%d", bursts);
    const char *cmd[] = { self, "mpi", nbuf, bbuf, NULL };
    double small, big;
    if (mpirun_capture(2, cmd, out, sizeof out, 120) != 0 ||
        sscanf(out, "%lf %lf", &small, &big) != 2) {
        fprintf(stderr, "bench_costs: the MPI ping-pong failed: %s\n", out);
        return 1;
    }
    c = from_round_trips(small, big);
    c.start_ms = mpirun_two(self, quick ? 1 : 5) * 1e3;
    row("MPI_(Open_MPI)", c);
    /* The start again, with the layer Open MPI picks by itself (any
     * OMPI_MCA_pml keeps mpirun_argv from naming ob1; "^v" leaves out
     * only a wrapper that is never picked alone).  Only the start: the
     * messages then take the same path, through ob1. */
    setenv("OMPI_MCA_pml", "^v", 1);
    printf("%-22s %9s %9s %9.2f\n", "MPI,_layer_unnamed", "-", "-",
           mpirun_two(self, quick ? 1 : 5) * 1e3);
    return 0;
}
