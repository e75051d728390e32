/* interpose.h: what the interposed libc calls record during a sandboxed
 * call (internal to the grader; see interpose.c). */
#ifndef GRADER_INTERPOSE_H
#define GRADER_INTERPOSE_H

#include <stdatomic.h>
#include <sys/types.h>

#ifndef GR_THREADS_SEEN
#define GR_THREADS_SEEN 64 /* as in grader.h */
#endif

struct gr_watch {
    pid_t test_pid, test_ppid, test_pgid; /* never to be signalled */
    _Atomic int threads;                  /* pthread_create() that worked */
    double thread_cpu[GR_THREADS_SEEN];   /* CPU seconds, by creation order */
    char refused[96];                     /* the first refused signal call */
};

/* Non-NULL only inside a sandboxed call; it lives in memory shared with
 * the test process, so the test reads it after the call. */
extern struct gr_watch *gr_watch;

#endif
