/* report.h: turning what the sandbox saw into sentences (internal). */
#ifndef GRADER_REPORT_H
#define GRADER_REPORT_H

#include "grader.h"

/* Record a problem; the first one recorded is the one reported. */
void gr_note_problem(struct gr_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copy what a capture memfd holds into buf: its start, or its end. */
void gr_read_capture(int fd, char *buf, size_t n, int tail);

/* Parse a LeakSanitizer report written to fd from offset `start`. */
long gr_leak_report(struct gr_run *r, int fd, long start);

/* Why the parent stopped a sandbox child, if it did. */
enum gr_stop { GR_STOP_NONE, GR_STOP_TIMEOUT, GR_STOP_MEMORY };

/* Decide the outcome of a finished (or killed) sandbox child. */
void gr_classify(struct gr_run *r, const struct gr_limits *lim, enum gr_stop stopped,
              int status, int finished, int cap_hit);

/* When `output` holds a stub's TODO() line, write "not started: f() in
 * FILE still calls TODO()" into buf and return 1; else 0. */
int gr_todo_sentence(const char *output, char *buf, size_t n);

/* Find the first stack frame in learner code ("f() at file:line"). */
int gr_learner_frame(const char *report, char *buf, size_t n);

#endif
