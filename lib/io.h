/* io.h: read and write loops that survive short transfers and signals. */
#ifndef BOOK_IO_H
#define BOOK_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Read exactly n bytes unless end of file comes first.  Returns the bytes
 * read (less than n only at end of file) or -1 with errno set. */
ssize_t read_full(int fd, void *buf, size_t n);

/* Write all n bytes.  Returns n or -1 with errno set. */
ssize_t write_full(int fd, const void *buf, size_t n);

#endif
