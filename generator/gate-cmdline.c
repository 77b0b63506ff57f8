/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gate-cmdline.h"

#define GATE_KEY "attest.gate"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Next word with quotes removed, into buf (at least strlen(cmdline)+1 bytes). */
static const char *next_word(const char *p, char *buf, bool *found)
{
    while (*p && is_space(*p))
        p++;
    *found = *p != '\0';
    bool quoted = false;
    size_t n = 0;
    for (; *p && (quoted || !is_space(*p)); p++) {
        if (*p == '"')
            quoted = !quoted;
        else
            buf[n++] = *p;
    }
    buf[n] = '\0';
    return p;
}

static int handle_word(struct gate_set *g, const char *word)
{
    size_t klen = strlen(GATE_KEY);
    if (strncmp(word, GATE_KEY, klen) != 0)
        return 0;
    if (word[klen] == '\0')
        return gate_set_add_warning(g,
                                    "kernel command line: '" GATE_KEY "' without a value, ignored");
    if (word[klen] != '=')
        return 0; /* another key that merely starts the same */
    const char *value = word + klen + 1;
    if (*value == '\0')
        return gate_set_add_warning(g, "kernel command line: empty " GATE_KEY
                                       "= ignored (gates cannot be removed)");
    return gate_set_add_list(g, "kernel command line " GATE_KEY "=", value, strlen(value), true);
}

int gate_cmdline_parse(struct gate_set *g, const char *cmdline)
{
    char *buf = malloc(strlen(cmdline) + 1);
    if (!buf)
        return -ENOMEM;
    int r = 0;
    bool found;
    const char *p = next_word(cmdline, buf, &found);
    while (r >= 0 && found) {
        r = handle_word(g, buf);
        p = next_word(p, buf, &found);
    }
    free(buf);
    return r < 0 ? r : 0;
}
