/* combine.c: chapter 8's request language and SO_REUSEPORT listener. */
#define _GNU_SOURCE
#include "combine.h"

#include "primes.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A decimal number that fills the whole word, or -1. */
static int parse_u64(const char *s, size_t len, uint64_t *v)
{
    if (len == 0 || len > 19)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return 0;
}

struct work_req work_parse(const char *line)
{
    static const char *const bad_args = "ERR wrong arguments";
    struct work_req r = { .kind = WORK_BAD, .error = "ERR unknown command" };
    size_t len = strcspn(line, "\r\n");
    const char *word[4];
    size_t wlen[4];
    int words = 0;
    for (size_t i = 0; i < len;) { /* split on spaces: at most 4 words */
        while (i < len && line[i] == ' ')
            i++;
        if (i == len)
            break;
        if (words == 4) {
            words++;
            break;
        }
        word[words] = line + i;
        while (i < len && line[i] != ' ')
            i++;
        wlen[words] = (size_t)(line + i - word[words]);
        words++;
    }
#define IS(k, s) (wlen[k] == strlen(s) && memcmp(word[k], s, wlen[k]) == 0)
    if (words == 0)
        return r;
    if (IS(0, "PING") || IS(0, "PID")) {
        if (words == 1)
            r.kind = IS(0, "PING") ? WORK_PING : WORK_PID;
        else
            r.error = bad_args;
    } else if (IS(0, "PRIMES")) {
        r.error = bad_args;
        if (words == 3 && parse_u64(word[1], wlen[1], &r.lo) == 0 &&
            parse_u64(word[2], wlen[2], &r.hi) == 0 && r.lo <= r.hi &&
            r.hi <= WORK_MAX_HI)
            r.kind = WORK_PRIMES;
    }
#undef IS
    return r;
}

void work_answer(const struct work_req *r, char *out, size_t n)
{
    switch (r->kind) {
    case WORK_PING:
        snprintf(out, n, "PONG");
        break;
    case WORK_PRIMES:
        snprintf(out, n, "%ld", count_primes(r->lo, r->hi));
        break;
    case WORK_PID:
        snprintf(out, n, "%ld", (long)getpid());
        break;
    default:
        snprintf(out, n, "%s", r->error ? r->error : "ERR unknown command");
    }
}

int tcp_listen_reuseport(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        close(fd);
        return -1;
    }
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_port = htons((unsigned short)(port ? *port : 0)) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 4096) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        close(fd);
        return -1;
    }
    if (port)
        *port = ntohs(a.sin_port);
    return fd;
}
