/* The race checker must name a race by its two accesses and their lines,
 * and pass code that locks. */
#include "grader.h"

#include <string.h>

Test(race, names_both_accesses_of_a_race)
{
    char msg[1024];
    cr_assert_eq(gr_judge_race("racy", 30, msg, sizeof msg), GR_FAIL, "%s", msg);
    cr_assert(strstr(msg, "data race"), "%s", msg);
    cr_assert(strstr(msg, "in add() at tests/race.tsan.c:"), "%s", msg);
    cr_assert(strstr(msg, "races with a"), "%s", msg);
}

Test(race, passes_locked_code)
{
    char msg[1024];
    cr_assert_eq(gr_judge_race("locked", 30, msg, sizeof msg), GR_PASS, "%s", msg);
}
