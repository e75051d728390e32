/* Private tests for exercise 1.1.  `make dist` leaves tests/NN-slug/hidden/
 * out of the student distribution; `make check` in the full repository and
 * the autograder bundle (`make gradescope`) run them as a second test
 * binary, build/hidden/<tree>/01-cpu-or-io/amdahl.
 *
 * They ask for values the public tests never show, so code written to
 * return the public tests' answers, rather than the formulas, fails here.
 * Every value is computed in one sandboxed call, to keep them quick. */
#include "amdahl.h"
#include "grader.h"

#include <math.h>

static const double fractions[] = { 0.02, 0.07, 0.15, 0.33, 0.6 };
static const int workers[] = { 2, 3, 5, 7, 12, 100 };
enum { NS = sizeof fractions / sizeof *fractions, NW = sizeof workers / sizeof *workers };

struct grid {
    double amdahl[NS][NW], karp_flatt[NS][NW], efficiency[NS][NW];
};

static void fill_grid(void *arg, void *out)
{
    (void)arg;
    struct grid *g = out;
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NW; j++) {
            double S = 1 / (fractions[i] + (1 - fractions[i]) / workers[j]);
            g->amdahl[i][j] = amdahl(fractions[i], workers[j]);
            g->karp_flatt[i][j] = karp_flatt(S, workers[j]);
            g->efficiency[i][j] = efficiency(7.5, 7.5 / S, workers[j]);
        }
}

static int close_to(double got, double want)
{
    return fabs(got - want) <= 1e-9 * (1 + fabs(want));
}

Test(amdahl, formulas_hold_on_unseen_values)
{
    struct grid g;
    struct gr_run r = gr_run_fn(fill_grid, NULL, &g, sizeof g, NULL);
    gr_assert_clean(r, "amdahl(), karp_flatt() and efficiency()");
    for (int i = 0; i < NS; i++)
        for (int j = 0; j < NW; j++) {
            double s = fractions[i];
            int n = workers[j];
            double S = 1 / (s + (1 - s) / n);
            cr_assert(close_to(g.amdahl[i][j], S), "amdahl(%g, %d) should be "
                      "%.6g, got %.6g", s, n, S, g.amdahl[i][j]);
            cr_assert(close_to(g.karp_flatt[i][j], s), "karp_flatt(%.6g, %d) "
                      "should be %g, got %.6g", S, n, s, g.karp_flatt[i][j]);
            cr_assert(close_to(g.efficiency[i][j], S / n), "efficiency(7.5, "
                      "%.6g, %d) should be %.6g, got %.6g", 7.5 / S, n, S / n,
                      g.efficiency[i][j]);
        }
}

static const struct { double s, target; } asks[] = {
    { 0, 1000 }, { 0.001, 500 }, { 0.2, 4.99 }, { 0.2, 5 }, { 0.07, 0.5 },
    { 0.125, 7 }, { 0.4, 2.4 },
};
enum { NA = sizeof asks / sizeof *asks };

static void ask_all(void *arg, void *out)
{
    (void)arg;
    int *got = out;
    for (int i = 0; i < NA; i++)
        got[i] = workers_needed(asks[i].s, asks[i].target);
}

/* The fewest workers, by counting up: slow, but obviously right. */
static int fewest(double s, double target)
{
    if (s > 0 && target >= 1 / s)
        return -1;
    int n = 1;
    while (1 / (s + (1 - s) / n) < target - 1e-9)
        n++;
    return n;
}

Test(amdahl, workers_needed_on_unseen_targets)
{
    int got[NA];
    struct gr_run r = gr_run_fn(ask_all, NULL, got, sizeof got, NULL);
    gr_assert_clean(r, "workers_needed()");
    for (int i = 0; i < NA; i++) {
        int want = fewest(asks[i].s, asks[i].target);
        cr_assert_eq(got[i], want, "workers_needed(%g, %g) should be %d, got %d",
                     asks[i].s, asks[i].target, want, got[i]);
    }
}
