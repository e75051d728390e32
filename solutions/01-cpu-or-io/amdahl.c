/* Reference solution to exercise 1.1. */
#include "amdahl.h"

#include <math.h>

double speedup(double t1, double tn)
{
    return t1 / tn;
}

double efficiency(double t1, double tn, int n)
{
    return speedup(t1, tn) / n;
}

double amdahl(double s, int n)
{
    return 1.0 / (s + (1.0 - s) / n);
}

double karp_flatt(double S, int n)
{
    if (n < 2)
        return NAN; /* 1 - 1/n is zero: one worker says nothing of overhead */
    return (1.0 / S - 1.0 / n) / (1.0 - 1.0 / n);
}

int workers_needed(double s, double target)
{
    if (target <= 1)
        return 1;
    if (s > 0 && target >= 1.0 / s)
        return -1; /* the serial part alone takes 1/target of T1 or more */
    /* Solve 1 / (s + (1 - s)/n) >= target for n, then guard the rounding. */
    double n = (1.0 - s) / (1.0 / target - s);
    int k = (int)ceil(n - 1e-6);
    while (amdahl(s, k) < target - 1e-9)
        k++;
    return k < 1 ? 1 : k;
}
