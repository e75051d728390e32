/* shm_counter.c: memory that several processes share, and how to count in it.
 *
 * Processes share no memory by default, but they can ask for some:
 * mmap(MAP_SHARED | MAP_ANONYMOUS) before fork() gives a region that the
 * parent and every child see as the same bytes.  Four children then add 1
 * to a counter there, many times each, in three ways: a plain ++ (a race:
 * updates get lost), an atomic add, and a ++ under a mutex set up to work
 * across processes. */
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHILDREN = 4 };

// [snippet shared]
struct shared {
    long plain;           /* ++ from several processes: a data race */
    _Atomic long atomic;  /* one indivisible add: no update is lost */
    pthread_mutex_t lock; /* process-shared: see make_shared() */
    long locked;          /* changed only while holding `lock` */
};

static struct shared *make_shared(void)
{
    struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return NULL; /* (the mapping starts out zeroed) */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return s;
}
// [end shared]

enum way { PLAIN, ATOMIC, MUTEX };

// [snippet add]
static void add_many(struct shared *s, enum way how, long times)
{
    for (long i = 0; i < times; i++) {
        switch (how) {
        case PLAIN:
            (*(volatile long *)&s->plain)++; /* load, add, store: racy */
            break;
        case ATOMIC:
            atomic_fetch_add_explicit(&s->atomic, 1, memory_order_relaxed);
            break;
        case MUTEX:
            pthread_mutex_lock(&s->lock);
            s->locked++;
            pthread_mutex_unlock(&s->lock);
            break;
        }
    }
}
// [end add]

/* A start line in shared memory: the children wait at it until all of
 * them exist, so that their additions really overlap. */
static _Atomic int *go;

/* CHILDREN processes each add `times`; returns the wall time taken. */
static double race(struct shared *s, enum way how, long times)
{
    atomic_store(go, 0);
    fflush(stdout);
    for (int i = 0; i < CHILDREN; i++)
        if (fork() == 0) {
            while (!atomic_load(go))
                sched_yield(); /* on your marks */
            add_many(s, how, times);
            _exit(0);
        }
    double t0 = now_s();
    atomic_store(go, 1);
    while (wait(NULL) > 0)
        ;
    return now_s() - t0;
}

int main(void)
{
    long times = quick_mode() ? 1000000 : 10000000;
    struct shared *s = make_shared();
    go = mmap(NULL, sizeof *go, PROT_READ | PROT_WRITE,
              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!s || go == MAP_FAILED)
        return 1;
    long want = CHILDREN * times;
    double tp = race(s, PLAIN, times);
    double ta = race(s, ATOMIC, times);
    double tm = race(s, MUTEX, times);
    printf("%d processes x %ld increments = %ld expected\n", CHILDREN, times,
           want);
    printf("  plain ++         %9ld  (%ld lost)  %6.1f ns per add\n", s->plain,
           want - s->plain, tp / want * 1e9);
    printf("  atomic add       %9ld  (%ld lost)  %6.1f ns per add\n",
           (long)s->atomic, want - (long)s->atomic, ta / want * 1e9);
    printf("  shared mutex     %9ld  (%ld lost)  %6.1f ns per add\n", s->locked,
           want - s->locked, tm / want * 1e9);
    int ok = s->atomic == want && s->locked == want;
    pthread_mutex_destroy(&s->lock);
    munmap(s, sizeof *s);
    munmap((void *)go, sizeof *go);
    return ok ? 0 : 1;
}
