/* timing.c: the few clocks every measurement in the book relies on. */
#define _GNU_SOURCE
#include "timing.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

// [snippet cost]
struct cost cost_start(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    return (struct cost){
        .wall = now_s(),
        .user = tv_s(self.ru_utime) + tv_s(kids.ru_utime),
        .sys = tv_s(self.ru_stime) + tv_s(kids.ru_stime),
    };
}

struct cost cost_since(struct cost start)
{
    struct cost end = cost_start();
    return (struct cost){ end.wall - start.wall, end.user - start.user,
                          end.sys - start.sys };
}
// [end cost]

int usable_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Element i of the sorted `total` values when the `left` unknown ones
 * are all 0 (low) or all huge (!low), s holding the n known ones sorted. */
static double sorted_at(const double *s, int n, int left, int i, int low)
{
    if (low)
        return i < left ? 0 : s[i - left];
    return i < n ? s[i] : 1e300;
}

void median_range(const double *v, int n, int total, double *lo, double *hi)
{
    double s[64];
    n = n < 64 ? n : 64;
    memcpy(s, v, (size_t)n * sizeof *s);
    median(s, n); /* sorts s */
    int left = total - n, m = total / 2;
    for (int low = 0; low < 2; low++) {
        double at = sorted_at(s, n, left, m, low);
        if (total % 2 == 0)
            at = (sorted_at(s, n, left, m - 1, low) + at) / 2;
        *(low ? lo : hi) = at;
    }
}

static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(buf, n, "%s", colon + 2);
            buf[strcspn(buf, "\n")] = '\0';
            break;
        }
    }
    fclose(f);
}

void print_machine(FILE *out)
{
    char model[256];
    struct utsname u;
    cpu_model(model, sizeof model);
    uname(&u);
    fprintf(out, "# machine: %d usable cores, %s, Linux %s\n", usable_cores(),
            model, u.release);
}

void print_conditions(FILE *out, const char *command)
{
    char date[64] = "unknown date";
    double l1 = -1, l5 = -1, l15 = -1; /* 1, 5 and 15 minute averages */
    time_t t = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&t));
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) != 3)
            l1 = l5 = l15 = -1;
        fclose(f);
    }
    fprintf(out, "# measured: %s by `%s`; nproc %ld; load average at the start "
            "%.2f %.2f %.2f\n", date, command, sysconf(_SC_NPROCESSORS_ONLN),
            l1, l5, l15);
}

int quick_mode(void)
{
    const char *q = getenv("QUICK");
    return q && *q && strcmp(q, "0") != 0;
}
