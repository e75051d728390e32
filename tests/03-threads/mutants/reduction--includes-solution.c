/* Mutant of exercise 3.3 (grader trust, class 5): compiles the reference
 * solution in by a relative #include instead of writing the code.
 * must be refused: includes solutions/03-threads/reduction.c */
#include "../../../solutions/03-threads/reduction.c"
