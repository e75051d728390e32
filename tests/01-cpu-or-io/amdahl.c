/* Tests for exercise 1.1: the arithmetic of speedup.  Pure functions, but
 * they still run in the sandbox, so a stub or a crash is reported clearly. */
#include "amdahl.h"
#include "grader.h"

#include <math.h>

enum op { SPEEDUP, EFFICIENCY, AMDAHL, KARP_FLATT, WORKERS };

struct call {
    enum op op;
    double a, b;
    int n;
};

static void call(void *arg, void *out)
{
    const struct call *c = arg;
    double *r = out;
    switch (c->op) {
    case SPEEDUP:    *r = speedup(c->a, c->b); break;
    case EFFICIENCY: *r = efficiency(c->a, c->b, c->n); break;
    case AMDAHL:     *r = amdahl(c->a, c->n); break;
    case KARP_FLATT: *r = karp_flatt(c->a, c->n); break;
    case WORKERS:    *r = workers_needed(c->a, c->b); break;
    }
}

static double eval(const char *what, struct call c)
{
    double r = 0;
    struct gr_run run = gr_run_fn(call, &c, &r, sizeof r, NULL);
    gr_assert_clean(run, what);
    return r;
}

#define near(what, got, want)                                               \
    cr_assert(fabs((got) - (want)) <= 1e-9 * (1 + fabs((double)(want))),              \
              "%s should be %.6g, got %.6g", (what), (double)(want), (double)(got))

Test(amdahl, speedup_and_efficiency)
{
    near("speedup(12, 4)", eval("speedup", (struct call){ SPEEDUP, 12, 4, 0 }), 3);
    near("efficiency(12, 4, 4)", eval("efficiency", (struct call){ EFFICIENCY, 12, 4, 4 }), 0.75);
    near("efficiency(10, 10, 1)", eval("efficiency", (struct call){ EFFICIENCY, 10, 10, 1 }), 1);
}

Test(amdahl, amdahl_law)
{
    near("amdahl(0, 8)", eval("amdahl", (struct call){ AMDAHL, 0, 0, 8 }), 8);
    near("amdahl(1, 8)", eval("amdahl", (struct call){ AMDAHL, 1, 0, 8 }), 1);
    near("amdahl(0.1, 1)", eval("amdahl", (struct call){ AMDAHL, 0.1, 0, 1 }), 1);
    near("amdahl(0.1, 10)", eval("amdahl", (struct call){ AMDAHL, 0.1, 0, 10 }), 1 / 0.19);
    near("amdahl(0.05, 1000000)", eval("amdahl", (struct call){ AMDAHL, 0.05, 0, 1000000 }),
         1 / (0.05 + 0.95 / 1e6));
}

Test(amdahl, karp_flatt_recovers_the_serial_fraction)
{
    /* Run Amdahl forwards, then Karp-Flatt backwards: s comes back. */
    for (int n = 2; n <= 64; n *= 2)
        for (double s = 0; s <= 0.5; s += 0.125) {
            double S = 1 / (s + (1 - s) / n);
            double e = eval("karp_flatt", (struct call){ KARP_FLATT, S, 0, n });
            cr_assert(fabs(e - s) < 1e-9, "karp_flatt(%.4f, %d) should be "
                      "%.4f (the serial fraction that gives that speedup), "
                      "got %.6g", S, n, s, e);
        }
}

Test(amdahl, karp_flatt_undefined_on_one_worker)
{
    double e = eval("karp_flatt(1.0, 1)", (struct call){ KARP_FLATT, 1.0, 0, 1 });
    cr_assert(isnan(e), "karp_flatt(1.0, 1) should be NAN (not defined on one "
              "worker), got %g", e);
}

Test(amdahl, karp_flatt_of_measured_numbers)
{
    /* 2 workers, 1.6x: e = (0.625 - 0.5) / 0.5 = 0.25 */
    near("karp_flatt(1.6, 2)", eval("karp_flatt", (struct call){ KARP_FLATT, 1.6, 0, 2 }), 0.25);
    /* superlinear speedup gives a negative e: caches, not magic */
    near("karp_flatt(2.2, 2)", eval("karp_flatt", (struct call){ KARP_FLATT, 2.2, 0, 2 }),
         (1 / 2.2 - 0.5) / 0.5);
}

Test(amdahl, workers_needed)
{
    /* Judged by the law itself: the answer reaches the target, one fewer
     * worker does not, and an impossible target gives -1. */
    struct { double s, target; } cases[] = {
        { 0, 8 }, { 0.1, 5 }, { 0.1, 10 }, { 0.1, 9.95 }, { 0.25, 2 },
        { 0.5, 1 }, { 0, 1 }, { 0.05, 10 }, { 0.01, 50 }, { 0.3, 3.5 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        double s = cases[i].s, target = cases[i].target;
        int got = (int)eval("workers_needed", (struct call){ WORKERS, s, target, 0 });
        if (s > 0 && target >= 1 / s) {
            cr_assert_eq(got, -1, "workers_needed(%g, %g) should be -1: no "
                         "number of workers beats 1/s = %g", s, target, 1 / s);
            continue;
        }
        cr_assert(got >= 1, "workers_needed(%g, %g) returned %d, but a reachable "
                  "target needs at least 1 worker", s, target, got);
        cr_assert(1 / (s + (1 - s) / got) >= target - 1e-9,
                  "workers_needed(%g, %g) returned %d, but that gives only "
                  "%.4fx", s, target, got, 1 / (s + (1 - s) / got));
        cr_assert(got == 1 || 1 / (s + (1 - s) / (got - 1)) < target - 1e-9,
                  "workers_needed(%g, %g) returned %d, but %d workers already "
                  "reach %.4fx", s, target, got, got - 1,
                  1 / (s + (1 - s) / (got - 1)));
    }
}
