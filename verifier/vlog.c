/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "vlog.h"

#define MAX_FIELDS 8

/* stderr is the journal when JOURNAL_STREAM names its device and inode. */
static bool stderr_is_journal(void)
{
    const char *e = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
        return false;
    return st.st_dev == dev && st.st_ino == ino;
}

void vlog_init(struct vlog *l, int max_priority)
{
    l->journal = stderr_is_journal();
    l->max_priority = max_priority;
}

void vlog_fields(const struct vlog *l, int priority, const struct log_field *fields,
                 size_t n_fields, const char *fmt, ...)
{
    if (priority > l->max_priority)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n_fields > MAX_FIELDS)
        n_fields = MAX_FIELDS;

    if (l->journal) {
        char bufs[MAX_FIELDS + 2][640];
        struct iovec iov[MAX_FIELDS + 2];
        size_t n = 0;
        snprintf(bufs[n], sizeof(bufs[n]), "MESSAGE=%s", msg);
        n++;
        snprintf(bufs[n], sizeof(bufs[n]), "PRIORITY=%d", priority);
        n++;
        for (size_t i = 0; i < n_fields; i++)
            if (fields[i].value) {
                snprintf(bufs[n], sizeof(bufs[n]), "ATTEST_%s=%s", fields[i].key, fields[i].value);
                n++;
            }
        for (size_t i = 0; i < n; i++)
            iov[i] = (struct iovec){bufs[i], strlen(bufs[i])};
        if (sd_journal_sendv(iov, (int)n) >= 0)
            return;
    }
    /* One write per line so lines from worker threads do not interleave. */
    char line[2048];
    size_t off = (size_t)snprintf(line, sizeof(line), "<%d>%s", priority, msg);
    for (size_t i = 0; i < n_fields && off < sizeof(line); i++)
        if (fields[i].value)
            off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%s", fields[i].key,
                                    fields[i].value);
    if (off >= sizeof(line) - 1)
        off = sizeof(line) - 2;
    line[off++] = '\n';
    fwrite(line, 1, off, stderr);
}
