/* bench_queues.c: one producer thread hands items to one consumer thread
 * through three queues of the same capacity: the chapter's queue (a mutex
 * and two condition variables, ring_queue.h), the textbook bounded buffer
 * (two POSIX semaphores counting free and full slots, and a mutex), and a
 * single-producer single-consumer ring with C11 atomics and no lock.
 * Output: plots/03-threads/queues.dat; QUICK=1 runs a small version. */
#include "ring_queue.h"
#include "run_note.h"
#include "timing.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

enum { CAP = 256, ROUNDS = 5 };

// [snippet sem]
struct sem_buffer {
    sem_t free_slots, full_slots; /* count what each side may take */
    pthread_mutex_t lock;         /* guards the indices (many producers) */
    void *items[CAP];
    size_t in, out;
};

static void sb_put(struct sem_buffer *b, void *item)
{
    sem_wait(&b->free_slots); /* sleeps while no slot is free */
    pthread_mutex_lock(&b->lock);
    b->items[b->in++ % CAP] = item;
    pthread_mutex_unlock(&b->lock);
    sem_post(&b->full_slots); /* one more item for a consumer */
}
// [end sem]

static void *sb_get(struct sem_buffer *b)
{
    sem_wait(&b->full_slots);
    pthread_mutex_lock(&b->lock);
    void *item = b->items[b->out++ % CAP];
    pthread_mutex_unlock(&b->lock);
    sem_post(&b->free_slots);
    return item;
}

/* The lock-free ring: indices that only grow, each written by one side. */
struct ring {
    alignas(64) _Atomic size_t head; /* written by the consumer */
    alignas(64) _Atomic size_t tail; /* written by the producer */
    alignas(64) void *items[CAP];
};

static int ring_push(struct ring *r, void *item)
{
    size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&r->head, memory_order_acquire) == CAP)
        return -1;
    r->items[t % CAP] = item;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
    return 0;
}

static int ring_pop(struct ring *r, void **item)
{
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h == atomic_load_explicit(&r->tail, memory_order_acquire))
        return -1;
    *item = r->items[h % CAP];
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
    return 0;
}

static void spin(int *tries) /* a short spin, then give the core away */
{
    if (++*tries % 100 == 0)
        sched_yield();
}

static long items_n;
static struct ring_queue rq;
static struct sem_buffer sb;
static struct ring rg;

static void *produce(void *arg)
{
    int kind = (int)(intptr_t)arg, tries = 0;
    for (long i = 1; i <= items_n; i++) {
        void *p = (void *)(intptr_t)i;
        if (kind == 0)
            rq_put(&rq, p);
        else if (kind == 1)
            sb_put(&sb, p);
        else
            while (ring_push(&rg, p) != 0)
                spin(&tries);
    }
    return NULL;
}

static long switches(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* ns per item and context switches per 1000 items through queue `kind`. */
static void run(int kind, double *ns, double *sw)
{
    rq_init(&rq, CAP);
    sem_init(&sb.free_slots, 0, CAP);
    sem_init(&sb.full_slots, 0, 0);
    pthread_mutex_init(&sb.lock, NULL);
    sb.in = sb.out = 0;
    atomic_store(&rg.head, 0);
    atomic_store(&rg.tail, 0);
    pthread_t t;
    long s0 = switches(), bad = 0;
    int tries = 0;
    double t0 = now_s();
    pthread_create(&t, NULL, produce, (void *)(intptr_t)kind);
    for (long i = 1; i <= items_n; i++) {
        void *p = NULL;
        if (kind == 0)
            p = rq_get(&rq);
        else if (kind == 1)
            p = sb_get(&sb);
        else
            while (ring_pop(&rg, &p) != 0)
                spin(&tries);
        bad += p != (void *)(intptr_t)i;
    }
    pthread_join(t, NULL);
    *ns = (now_s() - t0) * 1e9 / items_n;
    *sw = (switches() - s0) * 1000.0 / items_n;
    free(rq.items);
    sem_destroy(&sb.free_slots);
    sem_destroy(&sb.full_slots);
    if (bad)
        fprintf(stderr, "queue %d delivered %ld items out of order\n", kind, bad);
}

int main(void)
{
    static const char *names[] = { "mutex_condvar", "semaphores", "spsc_atomics" };
    items_n = quick_mode() ? 100000 : 2000000;
    double ns[3][ROUNDS], sw[3][ROUNDS];
    for (int r = 0; r < ROUNDS; r++) /* interleaved: all see the same load */
        for (int k = 0; k < 3; k++)
            run(k, &ns[k][r], &sw[k][r]);
    print_machine(stdout);
    print_run(stdout, "build/demo/03-threads/bench_queues");
    printf("# 1 producer, 1 consumer, %ld items per round, capacity %d\n",
           items_n, CAP);
    printf("# columns: queue ns_per_item switches_per_1000_items vs_mutex\n");
    double base = median(ns[0], ROUNDS);
    for (int k = 0; k < 3; k++) {
        double m = median(ns[k], ROUNDS);
        printf("%s %.1f %.2f %.2f\n", names[k], m, median(sw[k], ROUNDS), base / m);
    }
    return 0;
}
