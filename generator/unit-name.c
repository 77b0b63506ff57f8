/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unit-name.h"

#define UNIT_NAME_MAX 255

static const char *const unit_types[] = {
    "service", "socket", "target", "device", "mount", "automount",
    "swap",    "timer",  "path",   "slice",  "scope",
};

static bool is_valid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
           c == '-' || c == '_' || c == '.' || c == '\\';
}

static bool is_known_type(const char *suffix)
{
    for (size_t i = 0; i < sizeof(unit_types) / sizeof(unit_types[0]); i++)
        if (strcmp(suffix, unit_types[i]) == 0)
            return true;
    return false;
}

bool unit_name_is_valid(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > UNIT_NAME_MAX)
        return false;

    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !is_known_type(dot + 1))
        return false;

    const char *at = NULL;
    for (const char *p = name; p < dot; p++) {
        if (*p == '@') {
            if (at)
                continue; /* the instance may contain '@' */
            at = p;
        } else if (!is_valid_char(*p)) {
            return false;
        }
    }
    /* "@x.service" has no prefix; "a@.service" is a template, which is fine */
    return at != name;
}

int unit_name_from_token(const char *token, size_t len, bool allow_shorthand, char **ret)
{
    if (len == 0 || len > UNIT_NAME_MAX || memchr(token, '\0', len))
        return -EINVAL;

    bool shorthand = allow_shorthand && !memchr(token, '.', len);
    size_t extra = shorthand ? strlen(".service") : 0;
    char *name = malloc(len + extra + 1);
    if (!name)
        return -ENOMEM;
    memcpy(name, token, len);
    strcpy(name + len, shorthand ? ".service" : "");

    if (!unit_name_is_valid(name)) {
        free(name);
        return -EINVAL;
    }
    *ret = name;
    return 0;
}
