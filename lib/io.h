/* io.h: read and write loops that survive short transfers and signals,
 * and one number read from a /proc or /sys file. */
#ifndef BOOK_IO_H
#define BOOK_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Read exactly n bytes unless end of file comes first.  Returns the bytes
 * read (less than n only at end of file) or -1 with errno set. */
ssize_t read_full(int fd, void *buf, size_t n);

/* Write all n bytes.  Returns n or -1 with errno set. */
ssize_t write_full(int fd, const void *buf, size_t n);

/* The number on the line "key: 1234 ..." of a /proc or /sys file (for
 * example "VmRSS" in /proc/self/status, in kB), or the file's first
 * number when key is NULL ("/proc/sys/kernel/pid_max").  -1 when the file
 * or the key is missing, or holds no number ("max"). */
long proc_field(const char *path, const char *key);

#endif
