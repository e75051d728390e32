/* The balance judge's early stop (grader/balance.h, bal_clear()): a pass
 * may end a measurement from the second round, 0.2 over the mark of 0.5,
 * only where every round was quiet and the record showed no static
 * split's shape; a failure from the third, 0.3 under it.  Pure
 * arithmetic on made-up times: no timed run, so the suite is untimed. */
/* balance.h is a header of static functions for the exercises' tests;
 * this file calls only bal_clear(). */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "balance.h"

#include <criterion/criterion.h>

/* Times of one round (static, dynamic, learner's) whose G = static /
 * dynamic is 1.25 and whose score is `score`. */
static void round_of(double score, double *ts, double *td, double *tl)
{
    *ts = 1.25, *td = 1.0;
    *tl = *ts / (1 + score * (*ts / *td - 1)); /* bal_score() solved for the learner */
}

static int clear_after(const double *scores, int n, int quiet_all, int imbalanced)
{
    double ts[8], td[8], tl[8];
    int quiet[8];
    for (int i = 0; i < n; i++) {
        round_of(scores[i], &ts[i], &td[i], &tl[i]);
        quiet[i] = quiet_all;
    }
    struct bal_why y = { .rounds = n };
    y.count[GR_CAUSE_IMBALANCE] = imbalanced;
    return bal_clear(ts, td, tl, quiet, n, &y);
}

Test(balance_stop, a_pass_clear_by_0_2_from_the_second_round)
{
    double two[] = { 0.75, 0.72 }, one[] = { 0.9 }, near[] = { 0.75, 0.65 };
    cr_assert_eq(clear_after(two, 2, 1, 0), 1, "two quiet rounds 0.2 over the mark: a pass");
    cr_assert_eq(clear_after(one, 1, 1, 0), 0, "one round is never clear");
    cr_assert_eq(clear_after(near, 2, 1, 0), 0, "a round under 0.7 spoils the pass");
}

Test(balance_stop, a_pass_needs_quiet_rounds_and_a_clean_record)
{
    double two[] = { 0.9, 0.95 };
    cr_assert_eq(clear_after(two, 2, 0, 0), 0, "a round that was not quiet never counts");
    cr_assert_eq(clear_after(two, 2, 1, 1), 0,
                 "a static split's shape in the record forbids an early pass");
}

Test(balance_stop, a_failure_clear_by_0_3_from_the_third_round)
{
    double two[] = { 0.1, 0.05 }, three[] = { 0.1, 0.05, 0.15 }, near[] = { 0.1, 0.3, 0.1 };
    cr_assert_eq(clear_after(two, 2, 1, 0), 0, "a failure needs three rounds");
    cr_assert_eq(clear_after(three, 3, 1, 0), 2, "three quiet rounds 0.3 under: final");
    cr_assert_eq(clear_after(near, 3, 1, 0), 0, "a round at 0.3 spoils the failure");
}
