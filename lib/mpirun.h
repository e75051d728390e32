/* mpirun.h: starting MPI jobs from plain C (chapter 9's demos, benches
 * and grader).
 *
 * Open MPI's launcher refuses to run as root unless told so, and refuses
 * more ranks than cores unless told so; CI runs as root on small
 * machines, and the book runs 2x as many ranks as cores on purpose.  So
 * every launch in this repository goes through mpirun_argv(), which adds
 * what this machine needs, and nothing here needs <mpi.h>. */
#ifndef BOOK_MPIRUN_H
#define BOOK_MPIRUN_H

#include <stddef.h>

/* The launcher: $MPIRUN if set, else "mpirun". */
const char *mpirun_program(void);

/* Fill out[] with a NULL-terminated argv for
 *   mpirun [--allow-run-as-root] --oversubscribe --bind-to none
 *          --mca btl_vader_single_copy_mechanism none [--mca pml ob1] -np N cmd...
 * (--mca pml ob1 unless OMPI_MCA_pml is set: on a cluster, choose there)
 * (cmd is NULL-terminated; out holds at least 16 + its length entries).
 * Returns the number of arguments. */
int mpirun_argv(const char **out, int np, const char *const *cmd);

/* The same command as one line, for messages and for the book. */
void mpirun_command(char *buf, size_t n, int np, const char *const *cmd);

/* True inside a rank started by mpirun (or srun). */
int under_mpirun(void);

/* When not under mpirun: run this very program (argv[0] resolved through
 * /proc/self/exe) as an np-rank job with the same arguments, and exit
 * with its status.  Under mpirun it returns at once, in every rank. */
void relaunch_under_mpirun(char **argv, int np);

/* Run an np-rank job of cmd, with its stdout captured into out (n bytes,
 * NUL-terminated) and its stderr passed through.  The job gets its own
 * session and is killed whole after timeout_s.  Returns the exit status
 * of mpirun, or -1 if it could not start or timed out. */
int mpirun_capture(int np, const char *const *cmd, char *out, size_t n,
                   double timeout_s);

/* Kill every process of session `sid` (an mpirun started with setsid()
 * and its ranks, which sit in process groups of their own). */
void kill_session(int sid);

#endif
