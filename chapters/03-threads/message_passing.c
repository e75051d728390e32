/* message_passing.c: one thread writes a message and then raises a flag;
 * another waits for the flag and then reads the message.  With the flag
 * stored and loaded memory_order_relaxed nothing orders the message
 * before the flag, so the reader may see the flag and an old message;
 * with a release store and an acquire load it cannot.
 *
 * x86 keeps stores in order and loads in order, so both versions usually
 * print 0 stale reads there, and the relaxed one is still wrong: the
 * compiler may reorder it, and ARM or POWER hardware does.  Build it with
 * ThreadSanitizer to see the bug on any machine:
 *     gcc -O1 -g -fsanitize=thread -pthread -Ilib \
 *         chapters/03-threads/message_passing.c lib/timing.c -o mp && ./mp relaxed
 * QUICK=1 runs fewer trials. */
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static int message;      /* plain data, handed over by the flag */
static _Atomic int flag; /* 0: no message yet; n: message n is ready */
static memory_order store_order, load_order;

// [snippet mp]
static void *writer(void *arg)
{
    int n = *(int *)arg;
    message = n;                                   /* 1: write the data */
    atomic_store_explicit(&flag, n, store_order);  /* 2: publish it */
    return NULL;
}

static int read_message(int n)
{
    while (atomic_load_explicit(&flag, load_order) != n)
        sched_yield();                             /* wait for the flag */
    return message; /* with release/acquire: the writer's 1 happens before this */
}
// [end mp]

/* Trials in which the reader saw the flag but not the message. */
static long stale_reads(long trials, memory_order st, memory_order ld)
{
    store_order = st;
    load_order = ld;
    long stale = 0;
    for (int n = 1; n <= trials; n++) {
        pthread_t t;
        pthread_create(&t, NULL, writer, &n);
        stale += read_message(n) != n;
        pthread_join(t, NULL);
    }
    return stale;
}

int main(int argc, char **argv)
{
    long trials = quick_mode() ? 200 : 5000;
    if (argc > 1 && strcmp(argv[1], "relaxed") == 0) { /* for the TSan run */
        printf("relaxed: %ld stale reads\n",
               stale_reads(trials, memory_order_relaxed, memory_order_relaxed));
        return 0;
    }
    printf("%ld trials, relaxed store and load: %ld stale reads\n", trials,
           stale_reads(trials, memory_order_relaxed, memory_order_relaxed));
    printf("%ld trials, release store, acquire load: %ld stale reads\n", trials,
           stale_reads(trials, memory_order_release, memory_order_acquire));
    return 0;
}
