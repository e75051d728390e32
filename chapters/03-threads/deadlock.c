/* deadlock.c: two threads, two locks, taken in opposite orders: a real
 * deadlock, then how to see it from outside and how to avoid it.
 *
 * The hung threads are shown the way you would inspect any hung process:
 * each thread's state and the kernel function it sleeps in, from
 * /proc/PID/task/TID/stat and .../wchan (a thread blocked on a mutex
 * sleeps in the kernel's futex wait).  gdb (`gdb -p PID`, then
 * `thread apply all bt`) would show both stacks stopped in
 * pthread_mutex_lock; ThreadSanitizer, built with -fsanitize=thread,
 * reports the opposite orders as a lock-order-inversion even on a run
 * that did not hang.  Then the same two threads run again with one lock
 * order, and with trylock and back-off, and both finish. */
#include "timing.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t a = PTHREAD_MUTEX_INITIALIZER, b = PTHREAD_MUTEX_INITIALIZER;

static void nap_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000000L };
    nanosleep(&ts, NULL);
}

// [snippet deadlock]
static void *a_then_b(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&a);
    nap_ms(50);             /* long enough for the other thread to take b */
    pthread_mutex_lock(&b); /* waits for b, held by b_then_a: for ever */
    pthread_mutex_unlock(&b);
    pthread_mutex_unlock(&a);
    return NULL;
}

static void *b_then_a(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&b);
    nap_ms(50);
    pthread_mutex_lock(&a); /* waits for a, held by a_then_b */
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return NULL;
}
// [end deadlock]

/* Print each thread's state and wait channel, as seen from /proc. */
static void show_threads(void)
{
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], stat[512] = "", wchan[128] = "?";
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(stat, 1, sizeof stat - 1, f) : 0;
        stat[n] = '\0';
        if (f)
            fclose(f);
        snprintf(path, sizeof path, "/proc/self/task/%s/wchan", e->d_name);
        if ((f = fopen(path, "r"))) {
            n = fread(wchan, 1, sizeof wchan - 1, f);
            wchan[n] = '\0';
            fclose(f);
        }
        char *rp = strrchr(stat, ')');
        if (rp && rp[2] == 'R') /* this thread, reading /proc */
            printf("  thread %s: state R, running\n", e->d_name);
        else
            printf("  thread %s: state %c, sleeping in %s\n", e->d_name,
                   rp ? rp[2] : '?', strcmp(wchan, "0") ? wchan : "(hidden)");
    }
    if (d)
        closedir(d);
}

// [snippet backoff]
static void *b_then_a_backing_off(void *arg)
{
    (void)arg;
    for (int tries = 1;; tries++) {
        pthread_mutex_lock(&b);
        if (pthread_mutex_trylock(&a) == 0)
            break;                  /* got both */
        pthread_mutex_unlock(&b);   /* give b back so the other can finish */
        nap_ms(tries < 10 ? tries : 10); /* back off, a little longer each time */
    }
    pthread_mutex_unlock(&a);
    pthread_mutex_unlock(&b);
    return NULL;
}
// [end backoff]

static double pair(void *(*first)(void *), void *(*second)(void *))
{
    pthread_t t1, t2;
    double t0 = now_s();
    pthread_create(&t1, NULL, first, NULL);
    pthread_create(&t2, NULL, second, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    return now_s() - t0;
}

int main(void)
{
    printf("same order (a, then b) in both threads: done in %.0f ms\n",
           1e3 * pair(a_then_b, a_then_b));
    printf("a then b against b then a, with trylock and back-off: done in "
           "%.0f ms\n", 1e3 * pair(a_then_b, b_then_a_backing_off));
    pthread_t t1, t2;
    pthread_create(&t1, NULL, a_then_b, NULL);
    pthread_create(&t2, NULL, b_then_a, NULL);
    nap_ms(300);
    int busy_a = pthread_mutex_trylock(&a) == EBUSY;
    int busy_b = pthread_mutex_trylock(&b) == EBUSY;
    printf("a then b against b then a: after 300 ms a is %s and b is %s; "
           "the threads, from /proc/%d/task:\n", busy_a ? "held" : "free",
           busy_b ? "held" : "free", (int)getpid());
    show_threads();
    printf("deadlocked: neither thread can ever go on, so the program "
           "leaves without joining them\n");
    fflush(stdout);
    _exit(0);
}
