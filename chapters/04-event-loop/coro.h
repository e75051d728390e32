/* coro.h: stackless coroutines in plain C, from a switch statement.
 *
 * A coroutine is a function that can return in the middle ("yield") and
 * later be called again to carry on from that point.  Here the point is a
 * line number kept in an int: CO_BEGIN jumps to it with a switch, and each
 * CO_YIELD stores its own line number, returns, and leaves a case label
 * behind for the next call to land on.  This is the trick of Duff's
 * device and of Simon Tatham's and Adam Dunkels' protothreads, and it is
 * also, in essence, what a C# or Rust compiler generates for async/await.
 *
 * What it costs the programmer: local variables do not survive a yield
 * (the function really returned), so all state lives in a struct; a
 * coroutine can yield only from its own body, not from a function it
 * calls; and a `switch` of your own inside it must not contain a yield. */
#ifndef CORO_H
#define CORO_H

// [snippet macros]
/* *pc is 0 before the first call and -1 once the body has finished. */
#define CO_BEGIN(pc)                                                        \
    switch (*(pc)) {                                                        \
    case 0:

#define CO_YIELD(pc, value)                                                 \
    do {                                                                    \
        *(pc) = __LINE__; /* where to carry on next time */                \
        return (value);                                                     \
    case __LINE__:;                                                         \
    } while (0)

#define CO_END(pc, value)                                                   \
    }                                                                       \
    *(pc) = -1;                                                             \
    return (value)
// [end macros]

#endif
