/* Mutant of exercise 3.6: one mutex for the whole bank, taken before the
 * account locks.  It cannot deadlock and it conserves money, but a
 * transfer that waits for an account holds every other transfer up.
 * must fail: bank/disjoint_transfers_do_not_wait */
#include "transfer.h"

static pthread_mutex_t bank = PTHREAD_MUTEX_INITIALIZER;

int transfer(struct account *accounts, int from, int to, long amount)
{
    pthread_mutex_lock(&bank); /* serialises every transfer */
    pthread_mutex_lock(&accounts[from].lock);
    if (to != from)
        pthread_mutex_lock(&accounts[to].lock);
    int ok = accounts[from].balance >= amount;
    if (ok) {
        accounts[from].balance -= amount;
        accounts[to].balance += amount;
    }
    if (to != from)
        pthread_mutex_unlock(&accounts[to].lock);
    pthread_mutex_unlock(&accounts[from].lock);
    pthread_mutex_unlock(&bank);
    return ok ? 0 : -1;
}

long bank_total(struct account *accounts, int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++)
        pthread_mutex_lock(&accounts[i].lock);
    for (int i = 0; i < n; i++)
        sum += accounts[i].balance;
    for (int i = 0; i < n; i++)
        pthread_mutex_unlock(&accounts[i].lock);
    return sum;
}
