/* Reference solution to exercise 3.6: every thread locks accounts in one
 * global order, the array index, lowest first.  A cycle of waiting
 * threads would need some thread to hold a higher-numbered lock while it
 * waits for a lower one, and no thread ever does that; so the circular
 * wait, one of the four conditions for deadlock, cannot happen. */
#include "transfer.h"

// [snippet transfer]
int transfer(struct account *accounts, int from, int to, long amount)
{
    if (from == to) { /* one lock: locking a normal mutex twice hangs */
        pthread_mutex_lock(&accounts[from].lock);
        int ok = accounts[from].balance >= amount;
        pthread_mutex_unlock(&accounts[from].lock);
        return ok ? 0 : -1;
    }
    int first = from < to ? from : to, second = from < to ? to : from;
    pthread_mutex_lock(&accounts[first].lock);  /* the global order: */
    pthread_mutex_lock(&accounts[second].lock); /* lowest index first */
    int ok = accounts[from].balance >= amount;
    if (ok) {
        accounts[from].balance -= amount;
        accounts[to].balance += amount;
    }
    pthread_mutex_unlock(&accounts[second].lock);
    pthread_mutex_unlock(&accounts[first].lock);
    return ok ? 0 : -1;
}
// [end transfer]

long bank_total(struct account *accounts, int n)
{
    long sum = 0;
    for (int i = 0; i < n; i++) /* the same order as transfer() */
        pthread_mutex_lock(&accounts[i].lock);
    for (int i = 0; i < n; i++)
        sum += accounts[i].balance;
    for (int i = n - 1; i >= 0; i--) /* unlocking order does not matter */
        pthread_mutex_unlock(&accounts[i].lock);
    return sum;
}
