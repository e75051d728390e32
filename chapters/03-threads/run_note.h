/* run_note.h: the "# run:" line of this chapter's newer data files.
 *
 * The machine line says what the computer is; this one says when the
 * data was measured, by which command, and how busy the machine was at
 * the start (the load average), since a shared machine moves the numbers
 * far more than a different CPU of the same kind. */
#ifndef RUN_NOTE_H
#define RUN_NOTE_H

#include <stdio.h>
#include <time.h>

static inline void print_run(FILE *out, const char *command)
{
    char date[64] = "an unknown date";
    double load = -1;
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    fprintf(out, "# run: %s, `%s`, 1-minute load average %.2f at the start "
            "(over 1 means other programs shared the cores; the rows are "
            "medians of interleaved rounds)\n", date, command, load);
}

#endif
