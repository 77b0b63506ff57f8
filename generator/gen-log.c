/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "gen-log.h"

#define LOG_LINE_MAX 1024

void gen_log_open(struct gen_log *l)
{
    const char *t = getenv("SYSTEMD_LOG_TARGET");
    l->kmsg_fd = -1;
    if (t && strcmp(t, "console") == 0)
        return;
    if (!t || strcmp(t, "kmsg") == 0 || strcmp(t, "auto") == 0)
        l->kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void gen_log_close(struct gen_log *l)
{
    if (l && l->kmsg_fd >= 0)
        close(l->kmsg_fd);
}

void gen_log(const struct gen_log *l, int level, const char *fmt, ...)
{
    char msg[LOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';

    if (l->kmsg_fd >= 0) {
        char line[LOG_LINE_MAX + 64];
        int n = snprintf(line, sizeof(line), "<%d>attest-generator[%d]: %s\n", level, (int)getpid(),
                         msg);
        if (n > 0 && write(l->kmsg_fd, line, (size_t)n) == n)
            return;
    }
    fprintf(stderr, "attest-generator: %s\n", msg);
}
