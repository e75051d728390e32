/* Exercise 1.1: see amdahl.h for the contract, chapter 1 for the idea.
 * Check your work with: make check EX=01-cpu-or-io/amdahl */
#include "amdahl.h"

#include "todo.h"

double speedup(double t1, double tn)
{
    (void)t1, (void)tn;
    TODO("speedup = T1 / Tn");
}

double efficiency(double t1, double tn, int n)
{
    (void)t1, (void)tn, (void)n;
    TODO("efficiency = speedup / n");
}

double amdahl(double s, int n)
{
    (void)s, (void)n;
    TODO("Amdahl's law");
}

double karp_flatt(double S, int n)
{
    (void)S, (void)n;
    TODO("the Karp-Flatt metric, NAN when n < 2");
}

int workers_needed(double s, double target)
{
    (void)s, (void)target;
    TODO("the fewest n with amdahl(s, n) >= target, or -1");
}
