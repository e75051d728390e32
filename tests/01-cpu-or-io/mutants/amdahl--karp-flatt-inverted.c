/* Mutant of exercise 1.1: Karp-Flatt with 1/S and 1/n swapped, and no
 * guard for one worker.
 * must fail: amdahl/karp_flatt_recovers_the_serial_fraction, amdahl/karp_flatt_undefined_on_one_worker */
#include "amdahl.h"

#include <math.h>

double speedup(double t1, double tn) { return t1 / tn; }
double efficiency(double t1, double tn, int n) { return t1 / tn / n; }
double amdahl(double s, int n) { return 1 / (s + (1 - s) / n); }
double karp_flatt(double S, int n) { return (1.0 / n - 1 / S) / (1 - 1.0 / n + 1e-300); }

int workers_needed(double s, double target)
{
    if (s > 0 && target >= 1 / s)
        return -1;
    int n = 1;
    while (amdahl(s, n) < target - 1e-9)
        n++;
    return n;
}
