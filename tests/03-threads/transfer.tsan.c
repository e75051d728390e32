/* ThreadSanitizer driver for exercise 3.6: random transfers among a few
 * accounts from several threads, and an auditor adding them up.  TSan
 * reports a balance touched without its lock as a data race, and two
 * locks taken in both orders as a lock-order inversion, even in a run
 * that happened not to deadlock.  A start gate releases the movers and
 * the auditor together, so the transfers and the totals overlap. */
#include "transfer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { THREADS = 4, ACCOUNTS = 6, EACH = 3000, START = 100 };

static struct account accounts[ACCOUNTS];
static pthread_barrier_t gate;

static void *mover(void *arg)
{
    unsigned seed = (unsigned)(size_t)arg;
    pthread_barrier_wait(&gate);
    for (int i = 0; i < EACH; i++)
        transfer(accounts, rand_r(&seed) % ACCOUNTS, rand_r(&seed) % ACCOUNTS,
                 1 + rand_r(&seed) % 50);
    return NULL;
}

static void *auditor(void *arg)
{
    long *bad = arg;
    pthread_barrier_wait(&gate);
    for (int i = 0; i < EACH / 10; i++) {
        long sum = bank_total(accounts, ACCOUNTS);
        if (sum != (long)ACCOUNTS * START)
            *bad = sum;
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS], audit;
    long bad = 0;
    for (int i = 0; i < ACCOUNTS; i++) {
        pthread_mutex_init(&accounts[i].lock, NULL);
        accounts[i].balance = START;
    }
    pthread_barrier_init(&gate, NULL, THREADS + 1);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, mover, (void *)(size_t)(i + 1));
    pthread_create(&audit, NULL, auditor, &bad);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_join(audit, NULL);
    pthread_barrier_destroy(&gate);
    if (bad) {
        printf("bank_total() returned %ld while transfers ran, not %ld\n",
               bad, (long)ACCOUNTS * START);
        return 1;
    }
    return 0;
}
