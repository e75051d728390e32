/* workloads.h: small, known workloads the chapter 1 tests measure. */
#ifndef TEST_WORKLOADS_H
#define TEST_WORKLOADS_H

#include "primes.h"
#include "timing.h"

#include <fcntl.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

/* CPU in user mode: about 0.1 s of trial division. */
static inline void burn(void *arg)
{
    volatile long n = count_primes(0, 1200000);
    (void)n, (void)arg;
}

/* Waiting, not working. */
static inline void nap(void *arg)
{
    (void)arg;
    struct timespec ts = { 0, 150000000 };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* CPU in the kernel: it zeroes a megabyte per read. */
static inline void kernel_work(void *arg)
{
    (void)arg;
    static char buf[1 << 20];
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    for (int i = 0; i < 2500 && fd >= 0; i++)
        if (read(fd, buf, sizeof buf) < 0)
            break;
    close(fd);
}

static inline void *burn_thread(void *arg)
{
    burn(arg);
    return NULL;
}

/* Two threads of CPU work at once: CPU time can exceed wall time. */
static inline void two_threads(void *arg)
{
    pthread_t t;
    pthread_create(&t, NULL, burn_thread, arg);
    burn(arg);
    pthread_join(t, NULL);
}

#endif
