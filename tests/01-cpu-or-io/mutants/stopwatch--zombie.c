/* Mutant of exercise 1.1: it never waits for the child; it sleeps and
 * guesses the exit code instead, leaving a zombie.
 * must fail: stopwatch/exit_code_of_a_program, stopwatch/missing_program_exits_127 */
#include "stopwatch.h"

#include <unistd.h>

struct sw_times stopwatch_fn(void (*fn)(void *arg), void *arg)
{
    fn(arg);
    return (struct sw_times){ 0, 0, 0 };
}

struct sw_times stopwatch_cmd(char *const argv[], int *exit_code)
{
    if (fork() == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    usleep(200000);
    *exit_code = 0;
    return (struct sw_times){ 0.2, 0, 0 };
}
