/* transfer.h: exercise 3.6, money transfers with no deadlock.
 *
 * A bank keeps its accounts in an array.  Each account has its own mutex,
 * so that transfers between different accounts run at the same time, and
 * the mutex guards the balance: read or write `balance` only while
 * holding `lock`.
 *
 * A transfer must lock both of its accounts, so two transfers can each
 * hold one lock and wait for the other's: transfer(3, 7) and
 * transfer(7, 3) at once, locking "from" first, deadlock.  The cure is
 * one global lock order that every thread follows.  This bank's order is
 * the array index, lowest first; the tests' auditor, which locks every
 * account to add them up, follows it too.  A deadlock is reported with
 * the cycle the tests find, e.g. "thread 2 holds account 7 and waits for
 * account 3; thread 5 holds account 3 and waits for account 7". */
#ifndef TRANSFER_H
#define TRANSFER_H

#include <pthread.h>

struct account {
    pthread_mutex_t lock; /* guards balance; a default (normal) mutex */
    long balance;
};

/* Move `amount` (> 0) from accounts[from] to accounts[to], as one step:
 * a thread that locks both accounts, before or after, sees the money in
 * exactly one of them.  Returns 0 once it has moved, or -1 (moving
 * nothing) if accounts[from] holds less than `amount`: balances never go
 * below zero.  from == to is allowed and moves nothing (0, or -1 when the
 * balance is short).  Hold no lock that the transfer does not need: a
 * transfer between accounts 0 and 1 must not wait for one between 2 and 3.
 * Called from many threads at once. */
int transfer(struct account *accounts, int from, int to, long amount);

/* The sum of accounts[0..n-1], all locked at once (in the bank's order)
 * so that no transfer is half done in the sum.  Called while transfers
 * run. */
long bank_total(struct account *accounts, int n);

#endif
