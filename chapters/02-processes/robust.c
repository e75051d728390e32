/* robust.c: a process-shared mutex whose holder dies.
 *
 * A child locks a mutex in shared memory and is killed before it can
 * unlock.  With an ordinary process-shared mutex the lock stays taken
 * for ever (the demo waits 200 ms with pthread_mutex_timedlock() to show
 * it); with a *robust* one, the next locker gets EOWNERDEAD, repairs the
 * data the dead holder may have left half changed, marks the mutex
 * consistent and carries on. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
    pthread_mutex_t lock;
    long a, b; /* invariant, under the lock: a == b */
};

// [snippet init]
static void init_lock(pthread_mutex_t *m, int robust)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    if (robust) /* the kernel releases it when its holder dies */
        pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
}
// [end init]

/* A child takes the lock, breaks the invariant half way, and is killed. */
static void die_holding(struct shared *s)
{
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(&s->lock);
        s->a++; /* ... and b never catches up */
        raise(SIGKILL);
    }
    waitpid(pid, NULL, 0);
}

// [snippet recover]
static int lock_after_crash(struct shared *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 200000000; /* wait at most 200 ms */
    if (until.tv_nsec >= 1000000000)
        until.tv_sec++, until.tv_nsec -= 1000000000;
    int rc = pthread_mutex_timedlock(&s->lock, &until);
    if (rc == EOWNERDEAD) {       /* we hold it; its data may be broken */
        s->b = s->a;              /* repair the invariant */
        pthread_mutex_consistent(&s->lock);
        rc = 0;
    }
    if (rc == 0)
        pthread_mutex_unlock(&s->lock);
    return rc;
}
// [end recover]

int main(void)
{
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return 1;
    for (int robust = 0; robust <= 1; robust++) {
        memset(s, 0, sizeof *s);
        init_lock(&s->lock, robust);
        die_holding(s);
        int rc = lock_after_crash(s);
        printf("%s mutex, holder killed: %s; a = %ld, b = %ld\n",
               robust ? "robust" : "ordinary process-shared",
               rc == 0 ? "locked again after EOWNERDEAD and repaired"
                       : rc == ETIMEDOUT ? "still locked after 200 ms, for ever"
                                         : strerror(rc),
               s->a, s->b);
    }
    return 0;
}
