/* cow.c: a child gets its own copy of memory, copied only when written.
 *
 * After fork() the child sees every variable of the parent at the same
 * address, with the same value.  But it is a copy: what the child changes,
 * the parent never sees.  At fork time the kernel copies the page tables
 * (the map of the memory), not the pages themselves: parent and child
 * share each page, read-only, until one of them writes to it.  That first
 * write faults, and the kernel copies that one page ("copy-on-write").
 * The page-fault counter shows it. */
#include "io.h"
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

// [snippet own_copy]
static int counter = 1;

static void own_copy(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        counter = 42;
        printf("child:  counter = %d at %p\n", counter, (void *)&counter);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent: counter = %d at %p\n", counter, (void *)&counter);
}
// [end own_copy]

/* The child reads or writes every page of a buffer and reports its own
 * page faults and time through a pipe. */
struct report {
    long faults;
    double seconds;
};

static struct report touch_in_child(char *buf, size_t size, int write)
{
    struct report r = { -1, 0 };
    int fd[2];
    if (pipe(fd) != 0)
        return r;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        // [snippet touch]
        long before = minor_faults();
        double t0 = now_s();
        volatile char sink = 0;
        for (size_t i = 0; i < size; i += 4096) {
            if (write)
                buf[i] = 2; /* the first write to a page copies it */
            else
                sink += buf[i]; /* reading shares it */
        }
        struct report mine = { minor_faults() - before, now_s() - t0 };
        // [end touch]
        (void)sink;
        write_full(fd[1], &mine, sizeof mine);
        _exit(0);
    }
    close(fd[1]);
    read_full(fd[0], &r, sizeof r);
    close(fd[0]);
    waitpid(pid, NULL, 0);
    return r;
}

int main(void)
{
    own_copy();
    size_t size = (quick_mode() ? 16 : 256) << 20;
    char *buf = malloc(size);
    if (!buf)
        return 1;
    memset(buf, 1, size); /* the parent owns every page now */
    struct report rd = touch_in_child(buf, size, 0);
    struct report wr = touch_in_child(buf, size, 1);
    printf("%zu MiB buffer, %zu pages of 4 KiB:\n", size >> 20, size / 4096);
    printf("  a child that reads every page:  %6ld page faults, %.1f ms\n",
           rd.faults, rd.seconds * 1e3);
    printf("  a child that writes every page: %6ld page faults, %.1f ms\n",
           wr.faults, wr.seconds * 1e3);
    printf("  parent's buffer afterwards: buf[0] = %d (still its own)\n",
           buf[0]);
    free(buf);
    return 0;
}
