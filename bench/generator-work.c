/* SPDX-License-Identifier: Apache-2.0 */
/*
 * generator-work N OUT_DIR: the generator's own work, in process, without the
 * exec and dynamic loading a real run also pays: gate_run() N times, each into
 * a fresh directory under OUT_DIR, with the inputs named by the environment
 * (ATTEST_CONFIG, ATTEST_CMDLINE, ATTEST_RUNDIR). Prints the median and the
 * 90th percentile in microseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "gate-run.h"
#include "gen-log.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: generator-work N OUT_DIR\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    if (n <= 0 || n > 100000)
        return 2;
    double *us = calloc((size_t)n, sizeof(*us));
    if (!us)
        return 1;
    struct gen_log log = {.kmsg_fd = -1};
    for (long i = 0; i < n; i++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%ld", argv[2], i);
        if (mkdir(dir, 0755) < 0) {
            perror(dir);
            return 1;
        }
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        int r = gate_run(&log, dir, "/lib/systemd/system", "/usr/sbin/attestd");
        clock_gettime(CLOCK_MONOTONIC, &b);
        if (r < 0) {
            fprintf(stderr, "gate_run failed: %d\n", r);
            return 1;
        }
        us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
    }
    qsort(us, (size_t)n, sizeof(*us), cmp_double);
    printf("gate_run in process (read config + gate.d + command line, write drop-ins): "
           "median %.0f us, p90 %.0f us over %ld runs\n",
           us[n / 2], us[n * 9 / 10], n);
    free(us);
    return 0;
}
