/* hostfile.c: the same job, placed by a hostfile.
 *
 * A hostfile lists the machines a job may use and how many ranks each
 * takes ("slots").  This demo writes one that names only this machine,
 * `localhost slots=N`, and starts itself with `mpirun --hostfile`: the
 * mechanics are exactly those of a cluster, where the file would list
 * other machines and mpirun would reach them over ssh. */
#define _GNU_SOURCE
#include "mpirun.h"
#include "primes.h"
#include "timing.h"

#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Not under mpirun yet: write the hostfile, and run this program on it. */
static int launch(void)
{
    char dir[] = "/tmp/hostfile-XXXXXX", hosts[64], self[4096], np[16];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!mkdtemp(dir) || len <= 0)
        return 1;
    self[len] = '\0';
    snprintf(hosts, sizeof hosts, "%s/hosts", dir);
    snprintf(np, sizeof np, "%d", usable_cores());
    FILE *f = fopen(hosts, "w");
    if (!f)
        return 1;
    fprintf(f, "localhost slots=%d\n", usable_cores());
    fclose(f);
    const char *argv[12];
    int n = 0;
    argv[n++] = mpirun_program();
    if (geteuid() == 0)
        argv[n++] = "--allow-run-as-root";
    argv[n++] = "--hostfile"; /* where ranks may run, and how many */
    argv[n++] = hosts;
    argv[n++] = "-np";
    argv[n++] = np;
    argv[n++] = self;
    argv[n] = NULL;
    printf("hostfile %s: localhost slots=%s\n$", hosts, np);
    for (int i = 0; i < n; i++)
        printf(" %s", argv[i]);
    printf("\n");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 1;
    waitpid(pid, &status, 0);
    unlink(hosts);
    rmdir(dir);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    if (!under_mpirun())
        return launch();
    MPI_Init(&argc, &argv);
    int rank, size, len;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    uint64_t n = quick_mode() ? 100000 : 1000000;
    long mine = count_primes(n * rank / size, n * (rank + 1) / size), total = 0;
    MPI_Reduce(&mine, &total, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    printf("rank %d of %d runs on %s\n", rank, size, host);
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0)
        printf("%ld primes below %llu\n", total, (unsigned long long)n);
    MPI_Finalize();
    return 0;
}
