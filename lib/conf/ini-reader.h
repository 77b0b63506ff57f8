/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The one INI reader of attest.conf and verifier.conf: inih parses, this
 * feeds it a line at a time from a buffer. Debian's inih has a fixed line
 * buffer (INI_MAX_LINE 200) and would split a longer line into two; here such
 * a line is an error instead, so is a NUL byte, and every error reads
 * "PATH:LINE: message" in the same words for attestd, the generator and the
 * verifier. Depends on libc and libinih only (the generator links nothing
 * else).
 */

/* The longest line that inih gets whole, "\r\n" and NUL aside. */
#define CONF_MAX_LINE 197

/* The line inih is parsing, as in the file. */
struct conf_line {
    const char *path;
    unsigned number;  /* from 1 */
    const char *text; /* without "\r\n", cut at a NUL byte; not NUL-terminated */
    size_t len;
    bool overlong; /* longer than CONF_MAX_LINE: inih got only its start */
};

struct conf_ops {
    /* One key; a negative errno stops parsing and is returned by conf_parse(). */
    int (*key)(void *user, const struct conf_line *line, const char *section, const char *name,
               const char *value);
    /* An error of the reader, already worded "PATH:LINE: message"; a negative
     * errno stops parsing. Errors come in line order, but a syntax error is
     * known only at the end (inih gives the first one's line). */
    int (*error)(void *user, unsigned line, const char *message);
};

/*
 * Parse text[0..len) (NUL bytes included) named path. Returns the number of
 * errors reported through ops->error (0: a clean file), or a negative errno
 * from a callback or -ENOMEM.
 */
int conf_parse(const char *path, const char *text, size_t len, const struct conf_ops *ops,
               void *user);
