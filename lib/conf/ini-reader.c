/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conf/ini-reader.h"

struct reader {
    const char *pos, *end;
    struct conf_line line;
    const struct conf_ops *ops;
    void *user;
    int n_errors;
    int r; /* first negative errno of a callback: stops the reader */
};

__attribute__((format(printf, 3, 4))) static void report(struct reader *rd, unsigned line,
                                                         const char *fmt, ...)
{
    char msg[4096 + 256];
    int n = snprintf(msg, sizeof(msg), "%s:%u: ", rd->line.path, line);
    if (n < 0)
        n = 0;
    if ((size_t)n < sizeof(msg)) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    rd->n_errors++;
    int r = rd->ops->error(rd->user, line, msg);
    if (r < 0 && rd->r == 0)
        rd->r = r;
}

/* Finds the next line and checks it; fills rd->line. */
static void next_line(struct reader *rd, size_t max)
{
    const char *nl = memchr(rd->pos, '\n', (size_t)(rd->end - rd->pos));
    const char *eol = nl ? nl : rd->end;
    size_t len = (size_t)(eol - rd->pos);
    const char *nul = memchr(rd->pos, '\0', len);

    rd->line.number++;
    rd->line.text = rd->pos;
    if (nul) {
        /* what inih would have seen of it: the text before the NUL */
        report(rd, rd->line.number, "NUL byte in line");
        len = (size_t)(nul - rd->pos);
    } else if (len > 0 && rd->pos[len - 1] == '\r') {
        len--;
    }
    rd->line.len = len;
    rd->line.overlong = len > max;
    if (rd->line.overlong)
        report(rd, rd->line.number,
               "line is %zu characters, longer than inih's limit of %zu: split it (a list key "
               "such as [gate] units may be repeated)",
               len, max);
    rd->pos = nl ? nl + 1 : rd->end;
}

/*
 * inih's reader. num is inih's line buffer size (INI_MAX_LINE, 200 on Debian,
 * no realloc): a line must fit with "\r\n" and NUL, so that a file means the
 * same with either line end. CONF_MAX_LINE is that limit for Debian's build,
 * kept with a larger buffer too so the documented limit is the one applied.
 * An overlong line gives inih its start only, never its tail as a line of
 * its own.
 */
static char *read_line(char *str, int num, void *stream)
{
    struct reader *rd = stream;
    if (rd->r < 0 || rd->pos >= rd->end || num < 4)
        return NULL;
    size_t max = (size_t)num - 3 < CONF_MAX_LINE ? (size_t)num - 3 : CONF_MAX_LINE;
    next_line(rd, max);
    if (rd->r < 0)
        return NULL;
    size_t n = rd->line.overlong ? max : rd->line.len;
    memcpy(str, rd->line.text, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct reader *rd = user;
    if (rd->r < 0)
        return 1;
    int r = rd->ops->key(rd->user, &rd->line, section, name, value);
    if (r < 0)
        rd->r = r;
    return 1; /* inih's error line is then a syntax error only */
}

int conf_parse(const char *path, const char *text, size_t len, const struct conf_ops *ops,
               void *user)
{
    struct reader rd = {
        .pos = text,
        .end = text ? text + len : text, /* an empty file may come as NULL */
        .line = {.path = path},
        .ops = ops,
        .user = user,
    };
    int line = ini_parse_stream(read_line, &rd, on_key, &rd);
    if (rd.r < 0)
        return rd.r;
    if (line == -2)
        return -ENOMEM;
    if (line > 0) {
        report(&rd, (unsigned)line, "syntax error (expected [section], key = value, or a comment)");
        if (rd.r < 0)
            return rd.r;
    }
    return rd.n_errors;
}
