/* io.c: a pipe or socket may move fewer bytes than asked (a short read or
 * write), and a signal may interrupt the call (EINTR).  Both are normal,
 * so every caller in the book goes through these loops. */
#include "io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// [snippet read_full]
ssize_t read_full(int fd, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, (char *)buf + done, n - done);
        if (r == 0)
            break; /* end of file: the writer closed its end */
        if (r < 0) {
            if (errno == EINTR)
                continue; /* a signal arrived; nothing was lost */
            return -1;
        }
        done += (size_t)r; /* a short read: ask for the rest */
    }
    return (ssize_t)done;
}
// [end read_full]

ssize_t write_full(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

long proc_field(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[256];
    long v = -1;
    size_t k = key ? strlen(key) + 1 : 0; /* the key and its colon */
    while (f && fgets(line, sizeof line, f)) {
        if (key && (strncmp(line, key, k - 1) != 0 || line[k - 1] != ':'))
            continue;
        if (sscanf(line + k, " %ld", &v) != 1)
            v = -1;
        break;
    }
    if (f)
        fclose(f);
    return v;
}
