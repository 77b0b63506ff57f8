/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: lib/conf's INI reader (line limit, NUL bytes, inih underneath). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf/ini-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the reader promises about a line: the overlong flag, no NUL, nothing longer reaches inih. */
static int on_key(void *user, const struct conf_line *line, const char *section, const char *name,
                  const char *value)
{
    if (line->overlong != (line->len > CONF_MAX_LINE) || memchr(line->text, '\0', line->len) ||
        strlen(name) > CONF_MAX_LINE || strlen(value) > CONF_MAX_LINE)
        __builtin_trap();
    return 0;
}

static int on_error(void *user, unsigned line, const char *message)
{
    if (line == 0 || !strstr(message, "fuzz.conf:"))
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct conf_ops ops = {.key = on_key, .error = on_error};
    if (conf_parse("fuzz.conf", (const char *)data, size, &ops, NULL) < 0)
        __builtin_trap(); /* no callback fails and the reader allocates nothing */
    return 0;
}
