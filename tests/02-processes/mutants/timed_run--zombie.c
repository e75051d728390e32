/* Mutant of exercise 2.1: it never waits for the child; it sleeps and
 * guesses the exit code instead, leaving a zombie.
 * must fail: timed_run/exit_code_of_a_program, timed_run/missing_program_exits_127 */
#include "timed_run.h"

#include <unistd.h>

struct tr_times timed_run(char *const argv[], int *exit_code)
{
    if (fork() == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    usleep(200000);
    *exit_code = 0;
    return (struct tr_times){ 0.2, 0, 0 };
}
