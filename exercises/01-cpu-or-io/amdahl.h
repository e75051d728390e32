/* amdahl.h: exercise 1.1, reading speedups.
 *
 * T1 is the time on one worker and Tn the time on n.  Speedup S = T1 / Tn
 * and efficiency E = S / n.  Amdahl's law predicts S from the serial
 * fraction s of the work: S(n) = 1 / (s + (1 - s) / n), so no number of
 * cores beats 1 / s.  Karp-Flatt runs the law backwards: from a measured
 * S on n workers it estimates the serial fraction
 *     e = (1/S - 1/n) / (1 - 1/n).
 * An e that grows with n says the overhead grows with n. */
#ifndef AMDAHL_H
#define AMDAHL_H

double speedup(double t1, double tn);
double efficiency(double t1, double tn, int n);

/* Amdahl's predicted speedup on n workers for serial fraction s (0..1). */
double amdahl(double s, int n);

/* Karp-Flatt serial fraction from speedup S on n workers; NAN when n < 2,
 * where it is not defined. */
double karp_flatt(double S, int n);

/* The fewest workers with which Amdahl's law reaches speedup `target`, or
 * -1 when no number of workers can (target >= 1 / s).  The answer is a
 * number of workers, so it is at least 1: one worker already reaches a
 * target of 1 or less.  s = 0 has no limit (1 / s is infinite). */
int workers_needed(double s, double target);

#endif
