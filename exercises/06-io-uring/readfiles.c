/* Exercise 6.1: see readfiles.h for the contract, the io_uring chapter
 * for the idea (read_many.c is a close cousin).  Check your work with:
 *     make check EX=06-io-uring/readfiles */
#include "readfiles.h"

#include <liburing.h>

#include "todo.h"

int read_files(struct rf_file *files, int n, unsigned depth)
{
    (void)files, (void)n, (void)depth;
    TODO("io_uring_queue_init(depth, ...), open each file, keep up to depth reads "
         "in flight (user_data says which file), and handle each completion");
}
