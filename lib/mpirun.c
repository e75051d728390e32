/* mpirun.c: launch MPI jobs the same way everywhere in the book. */
#define _GNU_SOURCE
#include "mpirun.h"

#include "timing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *mpirun_program(void)
{
    const char *p = getenv("MPIRUN");
    return p && *p ? p : "mpirun";
}

// [snippet mpirun_argv]
int mpirun_argv(const char **out, int np, const char *const *cmd)
{
    static char ranks[16];
    int n = 0;
    snprintf(ranks, sizeof ranks, "%d", np);
    out[n++] = mpirun_program();
    if (geteuid() == 0)
        out[n++] = "--allow-run-as-root"; /* CI runs as root */
    out[n++] = "--oversubscribe";         /* more ranks than cores is fine */
    out[n++] = "--bind-to";               /* let the kernel place ranks, */
    out[n++] = "none";                    /* as it places threads */
    out[n++] = "--mca";                   /* no cross-process copies (CMA): */
    out[n++] = "btl_vader_single_copy_mechanism"; /* containers forbid them */
    out[n++] = "none";
    if (!getenv("OMPI_MCA_pml")) { /* unless the caller chose a layer: */
        out[n++] = "--mca";          /* Open MPI's own messaging layer; */
        out[n++] = "pml";            /* left to choose, it first starts */
        out[n++] = "ob1";            /* the one for cluster networks */
    }
    out[n++] = "-np";
    out[n++] = ranks;
    while (*cmd)
        out[n++] = *cmd++;
    out[n] = NULL;
    return n;
}
// [end mpirun_argv]

void mpirun_command(char *buf, size_t n, int np, const char *const *cmd)
{
    const char *argv[64];
    int argc = mpirun_argv(argv, np, cmd);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? " " : "",
                                 argv[i]);
}

int under_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") ||
           getenv("PMI_SIZE");
}

void relaunch_under_mpirun(char **argv, int np)
{
    if (under_mpirun())
        return;
    static char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        perror("readlink /proc/self/exe");
        exit(1);
    }
    self[len] = '\0';
    const char *cmd[48];
    int c = 0;
    cmd[c++] = self;
    for (int i = 1; argv[i] && c < 47; i++)
        cmd[c++] = argv[i];
    cmd[c] = NULL;
    const char *full[64];
    mpirun_argv(full, np, cmd);
    fflush(NULL);
    execvp(full[0], (char *const *)full);
    fprintf(stderr, "cannot run %s: %s (install Open MPI: make deps)\n",
            full[0], strerror(errno));
    exit(1);
}

void kill_session(int sid)
{
    for (int pass = 0; pass < 50; pass++) { /* until nothing is left */
        int found = 0;
        DIR *d = opendir("/proc");
        if (!d)
            return;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] < '0' || e->d_name[0] > '9')
                continue;
            char path[300], buf[512];
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            int fd = open(path, O_RDONLY);
            if (fd < 0)
                continue;
            ssize_t got = read(fd, buf, sizeof buf - 1);
            close(fd);
            buf[got > 0 ? got : 0] = '\0';
            char *rp = strrchr(buf, ')'), state;
            int ppid, pgrp, session;
            if (rp && sscanf(rp + 1, " %c %d %d %d", &state, &ppid, &pgrp,
                             &session) == 4 &&
                session == sid && state != 'Z') {
                kill(atoi(e->d_name), SIGKILL);
                found = 1;
            }
        }
        closedir(d);
        if (!found)
            return;
        struct timespec ts = { 0, 10000000 };
        nanosleep(&ts, NULL);
    }
}

static int wait_until(pid_t pid, int *status, double deadline)
{
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR))
            return 0;
        if (now_s() > deadline)
            return 1;
        struct timespec ts = { 0, 2000000 };
        nanosleep(&ts, NULL);
    }
}

int mpirun_capture(int np, const char *const *cmd, char *out, size_t n,
                   double timeout_s)
{
    int fd = memfd_create("mpirun-stdout", MFD_CLOEXEC);
    const char *argv[64];
    mpirun_argv(argv, np, cmd);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        setsid(); /* one session holds the job: one sweep kills it */
        dup2(fd, 1);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = 0, late = pid < 0 || wait_until(pid, &status, now_s() + timeout_s);
    if (pid > 0) {
        kill_session(pid);
        if (late)
            waitpid(pid, &status, 0);
    }
    ssize_t got = pread(fd, out, n - 1, 0);
    out[got > 0 ? got : 0] = '\0';
    close(fd);
    if (late)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
